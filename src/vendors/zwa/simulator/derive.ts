// Data a ZWA record does not carry but other endpoints serve (triggers, evidence, the history before the
// simulator started), derived from the record alone so fixtures get them too.
import { createRng } from '../../../sim-kit/random.ts'
import type { Rng } from '../../../sim-kit/random.ts'
import { CHANGE_TYPES } from './enums.ts'
import type { ChangeEntry, Incident } from './types.ts'

export const DEFAULT_EVIDENCE_BASE = 'https://dlp-evidence.sim.zsworkflow.net/evidence'

interface Masker { mask: (rng: Rng) => string, before: string, after: string }

// Masked the way DLP consoles show matches: enough to recognise the kind of data, never the value.
const MASKERS: Record<string, Masker> = {
  'Credit Cards': {
    mask: (r) => `4${r.digits(3)} XXXX XXXX ${r.digits(4)}`, before: 'card number:', after: 'exp 09/27'
  },
  'Social Security Numbers': { mask: (r) => `XXX-XX-${r.digits(4)}`, before: 'SSN', after: 'DOB XX/XX/19XX' },
  'Citizen Service Number': { mask: (r) => `XXXXX${r.digits(4)}`, before: 'BSN:', after: 'gemeente' },
  'Email Addresses': { mask: (r) => `${r.alnum(1).toLowerCase()}*****@example.com`, before: 'contact', after: ';' },
  'Medical Information': {
    mask: (r) => `ICD-10 ${String.fromCharCode(65 + r.int(0, 25))}XX.X`, before: 'diagnosis', after: 'prescribed'
  },
  'Source Code': { mask: (r) => `def XXXX${r.alnum(3).toLowerCase()}(`, before: 'import os', after: 'return' },
  'Financial Statements': { mask: (r) => `Net income XXX,${r.digits(3)}`, before: 'Q3', after: 'USD' }
}
const DEFAULT_MASKER: Masker = { mask: (r) => `XXXXXXXX${r.digits(2)}`, before: 'value', after: 'end' }

// Keys are dictionary names (real key names are unknown), values the masked matches joined by ", ".
export function deriveTriggers (
  incident: Incident, seed: number | string, withContext: boolean
): Record<string, string> {
  const rng = createRng(`zwa:${seed}:triggers:${incident.internalId}`)
  const out: Record<string, string> = {}
  for (const dict of incident.matchingPolicies?.dictionaries ?? []) {
    if (typeof dict?.name !== 'string') continue
    const masker = MASKERS[dict.name] ?? DEFAULT_MASKER
    const n = Math.min(3, Math.max(1, Number(dict.matchCount) || 1))
    const matches = Array.from({ length: n }, () => masker.mask(rng))
    out[dict.name] = matches.map((m) => withContext ? `${masker.before} ${m} ${masker.after}` : m).join(', ')
  }
  return out
}

export function deriveEvidence (incident: Incident, evidenceBase: string): Record<string, unknown> {
  const content = incident.contentInfo
  return {
    fileName: content?.fileName ?? `${incident.transactionId}.txt`,
    fileType: content?.fileType ?? 'txt',
    additionalInfo: {},
    evidenceURL: `${evidenceBase}/${encodeURIComponent(incident.transactionId)}.xml`
  }
}

// A plausible past for a record: its status change, resolution, notes and labels.
export function deriveHistory (incident: Incident): ChangeEntry[] {
  const admin = incident.assignedAdmin?.email ?? 'system'
  const at = incident.lastUpdatedAt
  const entries: ChangeEntry[] = []
  for (const note of incident.notes ?? []) {
    if (typeof note?.body !== 'string') continue
    entries.push(entry(CHANGE_TYPES.note, note.createdAt ?? at, admin, null, note.body, null))
  }
  if (typeof incident.status === 'string' && incident.status !== 'NEW') {
    entries.push(entry(CHANGE_TYPES.status, at, admin, 'NEW', incident.status, null))
  }
  if (typeof incident.resolution === 'string') {
    entries.push(entry(CHANGE_TYPES.resolution, at, admin, null, incident.resolution, null))
  }
  if (Array.isArray(incident.labels) && incident.labels.length > 0) {
    entries.push(entry(CHANGE_TYPES.labels, at, admin, null, JSON.stringify(incident.labels), null))
  }
  // Stable sort keeps same-instant entries in the order above.
  return entries.sort((a, b) => Date.parse(a.changedAt) - Date.parse(b.changedAt))
}

export function entry (
  changeType: string, changedAt: string, by: string, before: string | null, after: string | null,
  comment: string | null
): ChangeEntry {
  return { changeType, changedAt, changedByName: by, changeData: { before, after }, comment }
}
