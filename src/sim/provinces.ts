import { BaseError } from "../core/errors.js";

/**
 * The three demo provinces as the simulator models them: where their load centres and plants are
 * (for the sun), their climate (for loads and clouds) and how big their utility plants are. The codes
 * are those `seedDemoRegions` approves.
 */
export type Province = {
  code: "CN-GD" | "CN-ZJ" | "CN-GS";
  nameEn: string;
  /** Degrees north / east of the provincial capital (Guangzhou, Hangzhou, Lanzhou). */
  latitude: number;
  longitude: number;
  /** Daily mean air temperature: annual mean and half the summer–winter swing, °C. */
  temperatureMeanC: number;
  temperatureSwingC: number;
  /** Mean daily cloud cover (0 clear – 1 overcast) over the year, its seasonal swing and the day it peaks. */
  cloudMean: number;
  cloudSwing: number;
  cloudPeakDay: number;
  /** Mean wind speed at hub height (m/s), its seasonal swing and the day it peaks. */
  windMeanMs: number;
  windSwingMs: number;
  windPeakDay: number;
  /** Household consumption relative to the national mean (climate, income). */
  householdScale: number;
  /** Extra load per °C above 24 °C (air conditioning) and below 14 °C (electric heating), per unit. */
  coolingPerK: number;
  heatingPerK: number;
  /** Rated power of one wind farm and one PV plant, W: sized like the metered communities (about 100 kW; Gansu, an exporter of wind and solar power, more), so the demo's generation and load are comparable. */
  windFarmW: number;
  solarPlantW: number;
};

/** Guangdong (humid subtropical, monsoon summer), Zhejiang (plum rains in June), Gansu (arid, windy Hexi corridor). */
export const provinces: readonly Province[] = [
  {
    code: "CN-GD",
    nameEn: "Guangdong",
    latitude: 23.1,
    longitude: 113.3,
    temperatureMeanC: 22.5,
    temperatureSwingC: 7,
    cloudMean: 0.58,
    cloudSwing: 0.12,
    cloudPeakDay: 170,
    windMeanMs: 6.8,
    windSwingMs: 1,
    windPeakDay: 15,
    householdScale: 1.2,
    coolingPerK: 0.07,
    heatingPerK: 0.01,
    windFarmW: 120_000,
    solarPlantW: 100_000,
  },
  {
    code: "CN-ZJ",
    nameEn: "Zhejiang",
    latitude: 30.3,
    longitude: 120.2,
    temperatureMeanC: 17.5,
    temperatureSwingC: 11,
    cloudMean: 0.55,
    cloudSwing: 0.12,
    cloudPeakDay: 165,
    windMeanMs: 6.8,
    windSwingMs: 1,
    windPeakDay: 20,
    householdScale: 1.1,
    coolingPerK: 0.06,
    heatingPerK: 0.03,
    windFarmW: 150_000,
    solarPlantW: 120_000,
  },
  {
    code: "CN-GS",
    nameEn: "Gansu",
    latitude: 36.1,
    longitude: 103.8,
    temperatureMeanC: 10,
    temperatureSwingC: 13,
    cloudMean: 0.3,
    cloudSwing: 0.1,
    cloudPeakDay: 210,
    windMeanMs: 7.2,
    windSwingMs: 1.5,
    windPeakDay: 100,
    householdScale: 0.8,
    coolingPerK: 0.03,
    heatingPerK: 0.02,
    windFarmW: 400_000,
    solarPlantW: 300_000,
  },
];

/** The province with this code; throws for a code the simulator does not model. */
export function provinceOf(code: string): Province {
  const found = provinces.find((p) => p.code === code);
  if (!found) {
    throw new BaseError("SIM_UNKNOWN_PROVINCE", `the simulator has no province ${code}`, {
      details: { code },
    });
  }
  return found;
}
