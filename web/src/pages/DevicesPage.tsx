import { client } from "../api.js";
import { ErrorBox } from "../components/ErrorBox.js";
import { shortHex } from "../format.js";
import { useI18n } from "../i18n.js";
import { href } from "../router.js";
import { useSession } from "../session.js";
import type { StringKey } from "../strings.js";
import { useApi } from "../useApi.js";

/**
 * The devices this principal may see (GET /v1/devices; the node narrows the list to the principal's
 * scope: a prosumer its own, a region operator its regions'), each linking to its readings.
 */
export function DevicesPage() {
  const { t, has } = useI18n();
  const session = useSession();
  const devices = useApi("/v1/devices?limit=200", (signal) =>
    client.GET("/v1/devices", { params: { query: { limit: 200 } }, signal }),
  );
  const label = (prefix: string, value: string) =>
    has(`${prefix}${value}`) ? t(`${prefix}${value}` as StringKey) : value;
  const readable = session.can("readings.read");
  return (
    <section data-testid="devices-page">
      <h1>{t("devicesTitle")}</h1>
      <p className="muted">{t("devicesMine")}</p>
      <ErrorBox error={devices.error} action="devices.read" />
      {!devices.data && !devices.error && <p className="muted">{t("loading")}</p>}
      {devices.data?.devices.length === 0 && <p className="muted">{t("noDevices")}</p>}
      {devices.data && devices.data.devices.length > 0 && (
        <div className="table-wrap">
          <table data-testid="devices-table">
            <thead>
              <tr>
                <th>{t("colDevice")}</th>
                <th>{t("colRegion")}</th>
                <th>{t("colDeviceKind")}</th>
                <th>{t("colSource")}</th>
                <th>{t("colStatus")}</th>
                <th>{t("colOwner")}</th>
                <th>{t("colCommunity")}</th>
              </tr>
            </thead>
            <tbody>
              {devices.data.devices.map((device) => (
                <tr key={device.deviceId} data-testid="device-row" data-device={device.deviceId}>
                  <td>
                    {readable ? (
                      <a href={href(`/devices/${device.deviceId}`)} title={device.deviceId}>
                        <code>{shortHex(device.deviceId)}</code>
                      </a>
                    ) : (
                      <code title={device.deviceId}>{shortHex(device.deviceId)}</code>
                    )}
                  </td>
                  <td>{device.region ?? "—"}</td>
                  <td>{device.kind}</td>
                  <td>{label("", device.source)}</td>
                  <td>{device.status}</td>
                  <td>
                    <code title={device.owner}>{shortHex(device.owner, 4)}</code>
                  </td>
                  <td>
                    <code title={device.community ?? undefined}>{shortHex(device.community, 4)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
