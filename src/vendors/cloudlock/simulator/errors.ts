// Cloudlock errors are a bare {"message": "..."} body with the HTTP status (reference §9).
export class CloudlockHttpError extends Error {
  readonly statusCode: number

  constructor (statusCode: number, message: string) {
    super(message)
    this.statusCode = statusCode
  }
}

export function errorBody (_status: number, message: string): { message: string } {
  return { message }
}
