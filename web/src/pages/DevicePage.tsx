import { client, query } from "../api.js";
import { ErrorBox } from "../components/ErrorBox.js";
import { formatEnergy, shortHex } from "../format.js";
import { useI18n } from "../i18n.js";
import { href } from "../router.js";
import { formatDateTime } from "../time.js";
import { useApi } from "../useApi.js";

const week = 7 * 86_400;

/**
 * One device the principal may read: its registration, its import and export per hour over the last
 * seven days (GET /v1/devices/{id}/series), and a link to verify any of its readings in the explorer.
 */
export function DevicePage({ id }: { id: string }) {
  const { t, lang, zone } = useI18n();
  const device = useApi(`/v1/devices/${encodeURIComponent(id)}`, (signal) =>
    client.GET("/v1/devices/{deviceId}", { params: { path: { deviceId: id } }, signal }),
  );
  const to = Math.floor(Date.now() / 3600_000) * 3600 + 3600;
  const seriesQuery = { granularity: "hour" as const, from: String(to - week), to: String(to) };
  const series = useApi(`/v1/devices/${encodeURIComponent(id)}/series${query(seriesQuery)}`, (signal) =>
    client.GET("/v1/devices/{deviceId}/series", {
      params: { path: { deviceId: id }, query: seriesQuery },
      signal,
    }),
  );
  const points = (series.data?.points ?? []).filter((point) => point.readings > 0).reverse();
  return (
    <section data-testid="device-page" data-device={id}>
      <a href={href("/devices")}>← {t("backToDevices")}</a>
      <h1 title={id}>{t("deviceTitle", { id: shortHex(id) })}</h1>
      <ErrorBox error={device.error ?? series.error} action="readings.read" />
      {device.data && (
        <dl className="fields">
          <div>
            <dt>{t("colRegion")}</dt>
            <dd>{device.data.region ?? "—"}</dd>
          </div>
          <div>
            <dt>{t("colDeviceKind")}</dt>
            <dd>{device.data.kind}</dd>
          </div>
          <div>
            <dt>{t("colStatus")}</dt>
            <dd>{device.data.status}</dd>
          </div>
          <div>
            <dt>{t("colOwner")}</dt>
            <dd>
              <code>{device.data.owner}</code>
            </dd>
          </div>
        </dl>
      )}
      <p>
        <a href={href("/explorer", { device: id })} data-testid="device-verify">
          {t("deviceVerify")}
        </a>
      </p>
      <h2>{t("deviceSeriesTitle")}</h2>
      {series.data && points.length === 0 && <p className="muted">{t("chartEmpty")}</p>}
      {points.length > 0 && (
        <div className="table-wrap">
          <table data-testid="device-series">
            <thead>
              <tr>
                <th>{t("colTime")}</th>
                <th>{t("colImport")}</th>
                <th>{t("colExport")}</th>
                <th>{t("colReadings")}</th>
              </tr>
            </thead>
            <tbody>
              {points.map((point) => (
                <tr key={point.start}>
                  <td>{formatDateTime(point.start, lang, zone)}</td>
                  <td>{formatEnergy(point.import, lang)}</td>
                  <td>{formatEnergy(point.export, lang)}</td>
                  <td>{point.readings}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
