// Hand-written native records for tests that need exact data. Kept as JSON text so the group ids
// beyond 2^53 stay exact literals (16786743992009003 would become ...004 as a JS number).
import { parseLossless } from '../../../src/vendors/zwa/simulator/json.ts'

// In the style of the real response in Zscaler's getting-started page: resolved, whole-second
// timestamps, explicit nulls, no incidentGroupIds/incidentGroups keys, matchCount 0.
export const SAMPLE_RECORD_TEXT = '{"internalId":"1-143-16786974353299200003","integrationType":"ZscalerDLP",' +
  '"transactionId":"16786974353299200003","sourceType":null,"sourceSubType":null,' +
  '"sourceActions":["Change to Read Only for Internal Collaborators"],"severity":"HIGH","priority":"LOW",' +
  '"matchingPolicies":{"engines":[{"name":"GLBA","rule":"(((Citizen Service Number) > 0))"}],"rules":[{"name":"GLBA-Box"}],' +
  '"dictionaries":[{"name":"Citizen Service Number","matchCount":5,"nameMatchCount":"Citizen Service Number[5]"}]},' +
  '"matchCount":0,"createdAt":"2023-03-13T08:50:46Z","lastUpdatedAt":"2023-03-13T09:02:11Z",' +
  '"sourceFirstObservedAt":"2023-03-13T08:50:35Z","sourceLastObservedAt":"2023-03-13T08:50:35Z",' +
  '"userInfo":{"name":"ann.user@example.com","email":"ann.user@example.com","clientIP":null,' +
  '"uniqueIdentifier":"ann.user@example.com","userId":71002,"department":"Finance","homeCountry":"US",' +
  '"managerInfo":{"id":71001,"name":"boss@example.com","email":"boss@example.com"}},' +
  '"applicationInfo":{"url":null,"category":"File","name":"Box","hostnameOrApplication":"BOX","additionalInfo":{}},' +
  '"contentInfo":{"fileName":"bsn-list.docx","fileType":"docx","additionalInfo":{"fileModification":"2023-03-10T12:00:00Z","owner":"ann.user@example.com"}},' +
  '"networkInfo":null,"metadataFileUrl":"https://meta-bucket.s3.amazonaws.com/16786974353299200003.json",' +
  '"status":"RESOLVED","resolution":"FALSE_POSITIVE","assignedAdmin":{"email":"dlp-admin@example.com"},' +
  '"lastNotifiedUser":{"role":"END_USER","email":"ann.user@example.com"},' +
  '"notes":[{"body":"Known test file","createdAt":"2023-03-13T09:02:11Z","lastUpdatedAt":"2023-03-13T09:02:11Z","createdBy":0,"lastUpdatedBy":0}],' +
  '"closedCode":null,"dlpIncidentTickets":[{"ticketType":"JIRA_CLOUD","ticketingSystemName":"Jira","projectId":"17",' +
  '"projectName":"SecOps","ticketInfo":{"ticketId":"SEC-11","ticketUrl":"https://corp.atlassian.net/browse/SEC-11","state":"Done"}}],' +
  '"labels":null}'

function record (id: string, fields: string): string {
  const tx = id.slice(-20)
  return `{"internalId":"${id}","integrationType":"ZscalerDLP","transactionId":"${tx}",${fields}}`
}

// B and C share a transaction; D and E share a createdAt; E's group 16786743992009004 is what a lossy
// parser makes of B's 16786743992009003.
export const RECORDS_TEXT = `[${[
  SAMPLE_RECORD_TEXT,
  record('1-152-AAAA-17500000000000000001', '"sourceType":"ZIA","sourceSubType":"INLINE","severity":"HIGH","priority":"CRITICAL",' +
    '"status":"NEW","resolution":null,"createdAt":"2025-06-02T10:00:00Z","lastUpdatedAt":"2025-06-02T10:05:00Z",' +
    '"matchingPolicies":{"engines":[{"name":"PCI","rule":"((Credit Cards) > 0)"}],"dictionaries":[{"name":"Credit Cards","matchCount":3,"nameMatchCount":"Credit Cards[3]"}]},' +
    '"contentInfo":{"fileName":"cards.xlsx","fileType":"xlsx","additionalInfo":{}},"notes":[],' +
    '"incidentGroupIds":[16786743992009003,1201],"incidentGroups":[{"id":16786743992009003,"name":"Executives","description":"Execs"},{"id":1201,"name":"PCI","description":"Card data"}],' +
    '"dlpIncidentTickets":[],"labels":[{"key":"Reviewed","value":"Yes"}]'),
  record('1-152-BBBB-17500000000000000001', '"sourceType":"CASB","sourceSubType":"SAAS_SECURITY","severity":"LOW","priority":"LOW",' +
    '"status":"INVESTIGATING","resolution":null,"createdAt":"2025-06-02T10:00:00.500Z","lastUpdatedAt":"2025-06-02T11:00:00Z",' +
    '"matchingPolicies":{"engines":[{"name":"HIPAA","rule":"((Medical Information) > 0)"}]},' +
    '"incidentGroupIds":[9007199254740993],"incidentGroups":[{"id":9007199254740993,"name":"Legacy Import","description":"Old"}],' +
    '"labels":[{"key":"Team","value":"Legal"}]'),
  record('1-143-17500000000000000002', '"sourceType":null,"sourceSubType":null,"severity":"MEDIUM","priority":"HIGH",' +
    '"status":"ESCALATED","resolution":null,"createdAt":"2025-06-03T00:00:00Z","lastUpdatedAt":"2025-06-03T00:00:00Z",' +
    '"matchingPolicies":{"engines":[{"name":"PII","rule":"((Social Security Numbers) > 2)"}]},"labels":[]'),
  record('1-152-CCCC-17500000000000000003', '"sourceType":"ZIA","sourceSubType":"EMAIL","severity":"INFO","priority":"MEDIUM",' +
    '"status":"RESOLVED","resolution":"TRUE_POSITIVE","createdAt":"2025-06-03T00:00:00Z","lastUpdatedAt":"2025-06-04T00:00:00Z",' +
    '"matchingPolicies":{"engines":[{"name":"PCI","rule":"((Credit Cards) > 0)"},{"name":"PII","rule":"x"}]},' +
    '"incidentGroupIds":[1201,16786743992009004],"incidentGroups":[{"id":1201,"name":"PCI","description":"Card data"},{"id":16786743992009004,"name":"Decoy","description":"Neighbour id"}],' +
    '"labels":[{"key":"Reviewed","value":"No"},{"key":"Team","value":"Finance"}]')
].join(',')}]`

export const SAMPLE_ID = '1-143-16786974353299200003'
export const B = '1-152-AAAA-17500000000000000001'
export const C = '1-152-BBBB-17500000000000000001'
export const D = '1-143-17500000000000000002'
export const E = '1-152-CCCC-17500000000000000003'

export function records (): unknown[] {
  return parseLossless(RECORDS_TEXT) as unknown[]
}
