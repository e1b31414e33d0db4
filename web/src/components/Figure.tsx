/**
 * One labelled figure of a tile or a summary row; `hint` defines it (shown on hover and, for screen
 * readers, as the figure's description).
 */
export function Figure({
  label,
  value,
  testId,
  hint,
}: {
  label: string;
  value: string;
  testId?: string;
  hint?: string;
}) {
  return (
    <div className="figure" data-testid={testId} title={hint}>
      <div className="figure-label">
        {label}
        {hint && (
          <span className="hint" aria-hidden="true">
            {" "}
            ⓘ
          </span>
        )}
      </div>
      <div className="figure-value">{value}</div>
      {hint && <span className="visually-hidden">{hint}</span>}
    </div>
  );
}
