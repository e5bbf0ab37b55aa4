// A short human summary from policy and asset, e.g. "PCI: Q1 payroll export.xlsx".
export function incidentTitle (policyName: string | null, assetName: string | null, fallback: string): string {
  const policy = policyName?.trim()
  const asset = assetName?.trim()
  const title = policy && asset ? `${policy}: ${asset}` : policy || asset || fallback
  return title.length > 200 ? `${title.slice(0, 199)}…` : title
}
