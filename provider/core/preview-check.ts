/**
 * Whether a `pulumi preview --json` document can be summarised at all. A failed preview still
 * prints JSON (the steps it got to, plus `diagnostics` with `severity: "error"`), and a preview
 * that failed before it started prints nothing; summarising either as "No CVM restarts" would
 * tell a reviewer the opposite of the truth. Pure; names resources, never quotes a diagnostic
 * (the engine's messages can carry input values).
 */

/** A diagnostic of `pulumi preview --json`. */
export interface PreviewDiagnostic {
  urn?: string;
  severity?: string;
}

/** Why `text` is not a summarisable preview, or undefined when it is. */
export function previewProblem(text: string, source: string): string | undefined {
  if (text.trim() === "") {
    return `${source} is empty: \`pulumi preview --json\` printed nothing (it failed before the preview started; see its exit code and error output)`;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return `${source} is not JSON: pass the output of \`pulumi preview --json\``;
  }
  if (doc === null || typeof doc !== "object" || !Array.isArray((doc as { steps?: unknown }).steps)) {
    return `${source} has no "steps" list: it is not the output of \`pulumi preview --json\``;
  }
  const diagnostics = (doc as { diagnostics?: unknown }).diagnostics;
  const errors = Array.isArray(diagnostics)
    ? (diagnostics as PreviewDiagnostic[]).filter((d) => d?.severity === "error")
    : [];
  if (errors.length > 0) {
    const where = [...new Set(errors.map((d) => d.urn?.split("::").pop()).filter(Boolean))];
    return (
      `the preview failed (${errors.length} error${errors.length === 1 ? "" : "s"}` +
      `${where.length > 0 ? ` at ${where.join(", ")}` : ""}): its steps are incomplete, so no summary is written; ` +
      "fix the preview first (its own output says why)"
    );
  }
  return undefined;
}
