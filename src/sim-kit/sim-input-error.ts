// Thrown for bad admin input; the kit turns it into 400 {message}.
export class SimInputError extends Error {}
