// Every ZWA error answer is {"internalMessage": "..."} (the only documented error body, reference §9).
export class ZwaError extends Error {
  readonly statusCode: number

  constructor (statusCode: number, message: string) {
    super(message)
    this.statusCode = statusCode
  }
}

export function errorBody (_status: number, message: string): { internalMessage: string } {
  return { internalMessage: message }
}

export const badRequest = (message: string): ZwaError => new ZwaError(400, message)
export const notFound = (message: string): ZwaError => new ZwaError(404, message)
export const unauthorized = (message: string): ZwaError => new ZwaError(401, message)
