import { createHash } from 'node:crypto'

// SHA-256 of a UTF-8 string: API keys are configured as these, idempotency keys and shared token
// keys are stored under them, so none of those values is ever kept in clear.
export const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest()
export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex')
