import type { FastifyInstance } from 'fastify'

// The OpenAPI document as YAML. Our YAML writer follows YAML 1.2, where `off` is a plain string;
// YAML 1.1 readers still common in client generators (PyYAML, SnakeYAML) read an unquoted
// off/on/yes/no as a boolean, turning the sync state `off` into `false`. Such list items are quoted.
export function openApiYaml (app: FastifyInstance): string {
  return app.swagger({ yaml: true }).replace(/^(\s*- )(off|on|yes|no|y|n)$/gim, "$1'$2'")
}
