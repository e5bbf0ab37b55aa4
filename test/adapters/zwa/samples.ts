// Native ZWA records as JSON text, parsed like the wire (integers beyond 2^53 kept exact).
import { parseJsonLossless } from '../../../src/upstream/http/lossless-json.ts'

// The only real response record Zscaler publishes (getting-started page, DOC-START in the reference).
export const DOC_START_TEXT = `{
"internalId": "1-143-16786974353299200003", "integrationType": "ZscalerDLP", "transactionId": "16786974353299200003",
"sourceType": null, "sourceSubType": null, "sourceActions": ["Change to Read Only for Internal Collaborators"],
"severity": "HIGH", "priority": "LOW",
"matchingPolicies": {"engines": [{"name": "GLBA", "rule": "(((Citizen Service Number) > 0))"}], "rules": [{"name": "Block-GLBA-SSN"}],
  "dictionaries": [{"nameMatchCount": "Citizen Service Number[5]", "name": "Citizen Service Number", "matchCount": 5}]},
"matchCount": 0, "createdAt": "2023-03-13T08:50:46Z", "lastUpdatedAt": "2023-04-24T14:55:26Z",
"sourceFirstObservedAt": "2023-03-13T08:50:35Z", "sourceLastObservedAt": "2023-03-13T08:50:35Z",
"userInfo": {"name": "exampleuser@zscaler.com", "email": "exampleuser@zscaler.com", "clientIP": null,
  "uniqueIdentifier": "exampleuser@zscaler.com", "userId": 84197, "department": "Service Admin", "homeCountry": "US",
  "managerInfo": {"id": 84938, "name": "examplemanagername@zscaler.com", "email": "examplemanager@zscaler.com"}},
"applicationInfo": {"url": null, "category": "File", "name": "BOX", "hostnameOrApplication": "BOX", "additionalInfo": {}},
"contentInfo": {"fileName": "info-details.docx", "fileType": "docx", "additionalInfo": {"owner": null, "bucketName": "", "bucketOwner": "",
  "fileModification": "Mon Mar 13 08:31:35 2023", "messageId": "", "repository": "", "sender": "", "recipients": null, "objectName": "",
  "collaborators": null, "attachmentName": "", "channelName": "", "dlpMD5": "efe3c5d77004476aa8c4a20aeff07ce3", "objectId": "", "fileId": "154618300757"}},
"networkInfo": null, "metadataFileUrl": "https://zscaler-integration-devoa1.metadata.s3.us-east-2.amazonaws.com/16786974353299200003.json",
"status": "RESOLVED", "resolution": "FALSE_POSITIVE", "assignedAdmin": {"email": "exampledlpadmin@zscaler.com"},
"lastNotifiedUser": {"role": "END_USER", "email": "examplelastnotifieduser@zscaler.com"},
"notes": [{"body": "test closure", "createdAt": "2023-04-07T06:04:04Z", "lastUpdatedAt": "2023-04-07T06:04:04Z", "createdBy": 0, "lastUpdatedBy": 0}],
"closedCode": null,
"dlpIncidentTickets": [{"ticketType": "JIRA_CLOUD", "ticketingSystemName": "Jira-tenant-proxy 2", "projectId": "17", "projectName": "Dev test team project",
  "ticketInfo": {"ticketId": "DTTP-11", "ticketUrl": "https://zscaler-dev.atlassian.net/browse/DTTP-11", "state": "Done"}}],
"labels": null}`

// The constructed example of reference §11, verbatim.
export const REF_11_TEXT = `{"internalId": "1-152-KQWX-17500012345678901234", "integrationType": "ZscalerDLP",
 "transactionId": "17500012345678901234", "sourceType": null, "sourceSubType": null,
 "sourceActions": ["Block"], "severity": "HIGH", "priority": "CRITICAL",
 "matchingPolicies": {"engines": [{"name": "PCI", "rule": "((Credit Cards) > 0)"}],
   "rules": [{"name": "Block-PCI-Uploads"}],
   "dictionaries": [{"name": "Credit Cards", "matchCount": 3, "nameMatchCount": "Credit Cards[3]"}]},
 "matchCount": 3, "createdAt": "2025-06-02T10:15:04Z", "lastUpdatedAt": "2025-06-02T11:40:19Z",
 "sourceFirstObservedAt": "2025-06-02T10:14:58Z", "sourceLastObservedAt": "2025-06-02T10:14:58Z",
 "userInfo": {"name": "jane.doe@example.com", "email": "jane.doe@example.com", "clientIP": "10.20.30.40",
   "uniqueIdentifier": "jane.doe@example.com", "userId": 90211, "department": "Finance", "homeCountry": "US",
   "managerInfo": {"id": 90012, "name": "boss@example.com", "email": "boss@example.com"}},
 "applicationInfo": {"url": "https://upload.example.net/api", "category": "File", "name": "Example Drive",
   "hostnameOrApplication": "upload.example.net", "additionalInfo": {}},
 "contentInfo": {"fileName": "cards.xlsx", "fileType": "xlsx",
   "additionalInfo": {"dlpMD5": "0f343b0931126a20f133d67c2b018a3b", "fileId": "", "owner": null}},
 "networkInfo": null, "metadataFileUrl": "https://meta.example-bucket.s3.amazonaws.com/17500012345678901234.json",
 "status": "NEW", "resolution": null, "assignedAdmin": {"email": "dlp-admin@example.com"},
 "lastNotifiedUser": {"role": "END_USER", "email": "jane.doe@example.com"}, "notes": [], "closedCode": null,
 "incidentGroupIds": [1201], "incidentGroups": [{"id": 1201, "name": "PCI", "description": "Card data"}],
 "dlpIncidentTickets": [], "labels": null}`

// Group ids beyond 2^53: 16786743992009003 becomes ...004 through a lossy parser.
export const BIG_GROUPS_TEXT = `{"internalId": "1-152-BIGG-17500000000000000009", "transactionId": "17500000000000000009",
 "severity": "MEDIUM", "priority": "HIGH", "status": "ESCALATED", "resolution": null,
 "createdAt": "2025-06-05T01:02:03.456Z", "lastUpdatedAt": "2025-06-05T02:00:00.000Z",
 "notes": [{"body": "escalated to legal", "createdAt": "2025-06-05T01:30:00.5Z", "createdBy": 9007199254740993}],
 "labels": [{"key": "Team", "value": "Legal"}],
 "incidentGroupIds": [16786743992009003, 9007199254740993],
 "incidentGroups": [{"id": 16786743992009003, "name": "Executives", "description": "Execs"}, {"id": 9007199254740993, "name": "Legacy Import", "description": "Old"}]}`

export const parse = (text: string): Record<string, unknown> => parseJsonLossless(text) as Record<string, unknown>
