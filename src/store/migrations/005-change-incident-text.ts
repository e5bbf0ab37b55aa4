// Version 5: each change's incident also as the JSON text GET /v1/changes writes it
// (src/mirror/incident-text.ts), with the form it was written in. A caller whose view of the
// incident is the stored form (evidence:read, no include=raw) is served that text as it is, instead
// of node-postgres parsing the jsonb and the Incident serializer writing it again: those two were
// most of the feed's CPU. The jsonb stays: webhooks, filters and the diff read it.
//
// Both columns are nullable and without a default, so adding them rewrites nothing (PostgreSQL only
// records the columns): changes appended before, or by a replica still on an older release, have no
// text and are served as before.
export default `
ALTER TABLE changes ADD COLUMN incident_text text, ADD COLUMN incident_form text;
`
