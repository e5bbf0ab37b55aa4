import { hash } from 'node:crypto'

// SHA-256 of a UTF-8 string: API keys are configured as these, idempotency keys and shared token
// keys are stored under them, so none of those values is ever kept in clear. One-shot
// `crypto.hash` (no Hash object per call): every authenticated request hashes its key.
export const sha256 = (value: string): Buffer => hash('sha256', value, 'buffer')
export const sha256Hex = (value: string): string => hash('sha256', value, 'hex')
