// Fixed data the generator draws from. Names and addresses are fictional; ids are hashid-like
// like the reference examples (vXxjnWAexL, Bdb475zMDK).

// What kind of evidence a policy produces decides the entity kind and whether matches exist.
export type PolicyKind = 'content' | 'context' | 'ueba' | 'app'

export interface CataloguePolicy {
  id: string
  name: string
  kind: PolicyKind
  // Not on the wire (the incident schema has no such field); used by the incident_type filter.
  incidentType: string
  detector?: 'card' | 'ssn' | 'password' | 'phi' | 'secret' | 'iban' | 'email'
}

export const POLICIES: readonly CataloguePolicy[] = [
  { id: 'eyaznBzYKv', name: 'PCI', kind: 'content', incidentType: 'COMPLIANCE', detector: 'card' },
  { id: 'Bdb475zMDK', name: 'SSN', kind: 'content', incidentType: 'COMPLIANCE', detector: 'ssn' },
  {
    id: 'rNP3Dd3By0',
    name: 'Confidential/Password Regular Expression',
    kind: 'content',
    incidentType: 'COMPLIANCE',
    detector: 'password'
  },
  {
    id: 'Km7QwLp2Xa',
    name: 'HIPAA - Protected Health Information',
    kind: 'content',
    incidentType: 'COMPLIANCE',
    detector: 'phi'
  },
  {
    id: 'Zt4Hn8VcRe',
    name: 'Source Code Secrets (API keys)',
    kind: 'content',
    incidentType: 'COMPLIANCE',
    detector: 'secret'
  },
  { id: 'Ya9Gd3MbTq', name: 'GDPR - EU IBAN', kind: 'content', incidentType: 'COMPLIANCE', detector: 'iban' },
  { id: 'Pq98Rs76Tu', name: 'Customer List Export', kind: 'content', incidentType: 'COMPLIANCE', detector: 'email' },
  { id: 'Wx2Jk5NfLs', name: 'Public Sharing of Sensitive Folders', kind: 'context', incidentType: 'COMPLIANCE' },
  { id: 'Hb6Tr1QzPm', name: 'Login from Unusual Location', kind: 'ueba', incidentType: 'UEBA' },
  { id: 'Cv3Ns7XgDk', name: 'Excessive File Downloads', kind: 'ueba', incidentType: 'UEBA' },
  { id: 'Ge5Lm9SaWb', name: 'High-Risk OAuth App Installed', kind: 'app', incidentType: 'APP_FIREWALL' }
]

export const INCIDENT_TYPES = [...new Set(POLICIES.map((p) => p.incidentType))]

export interface CataloguePerson { name: string, email: string }

export const PEOPLE: readonly CataloguePerson[] = [
  { name: 'Jane Demo', email: 'jane.demo@example.com' },
  { name: 'John Demo', email: 'john.demo@example.com' },
  { name: 'Ana Example', email: 'ana.example@example.com' },
  { name: 'Ravi Sample', email: 'ravi.sample@example.com' },
  { name: 'Mei Placeholder', email: 'mei.placeholder@example.com' },
  { name: 'Tomás Fictive', email: 'tomas.fictive@example.com' },
  { name: 'Olu Testperson', email: 'olu.testperson@example.com' },
  { name: 'Grace Mockingbird', email: 'grace.mockingbird@example.com' },
  { name: 'Svetlana Stub', email: 'svetlana.stub@example.com' },
  { name: 'Dev Ops Bot', email: 'devops-bot@example.com' }
]

// One kind of object a platform holds: its origin_type, labels and how its name/url/mime look.
export interface ObjectKind {
  vendor: string
  originType: 'document' | 'post' | 'app' | 'event'
  label: string
  plural: string
  fileLike: boolean // has a real MIME type
}

export const OBJECT_KINDS: readonly ObjectKind[] = [
  { vendor: 'google', originType: 'document', label: 'File', plural: 'Files', fileLike: true },
  { vendor: 'google', originType: 'post', label: 'Email', plural: 'Emails', fileLike: false },
  { vendor: 'salesforce', originType: 'document', label: 'Lead', plural: 'Leads', fileLike: false },
  { vendor: 'salesforce', originType: 'document', label: 'Feed Item', plural: 'Feed Items', fileLike: false },
  { vendor: 'salesforce', originType: 'document', label: 'Case', plural: 'Cases', fileLike: false },
  { vendor: 'box', originType: 'document', label: 'File', plural: 'Files', fileLike: true },
  { vendor: 'office365', originType: 'document', label: 'OneDrive File', plural: 'OneDrive Files', fileLike: true },
  { vendor: 'office365', originType: 'post', label: 'Teams Message', plural: 'Teams Messages', fileLike: false },
  { vendor: 'slack', originType: 'post', label: 'Message', plural: 'Messages', fileLike: false },
  { vendor: 'dropbox', originType: 'document', label: 'File', plural: 'Files', fileLike: true }
]

export const UEBA_VENDORS = ['google', 'office365', 'salesforce', 'box'] as const
export const APP_VENDORS = ['google', 'office365', 'slack'] as const

export const FILE_NAMES: readonly { name: string, mime: string }[] = [
  { name: 'Q1 payroll export.xlsx', mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  { name: 'customer-cards-backup.csv', mime: 'text/csv' },
  { name: 'Benefits enrolment 2025.pdf', mime: 'application/pdf' },
  { name: 'deploy.env', mime: 'text/plain' },
  {
    name: 'Patient intake notes.docx',
    mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
  },
  { name: 'Vendor bank details.xlsx', mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  {
    name: 'Board deck - confidential.pptx',
    mime: 'application/vnd.openxmlformats-officedocument.presentationml.presentation'
  },
  { name: 'scan_0042.png', mime: 'image/png' },
  { name: 'Offsite planning', mime: 'application/vnd.google-apps.document' },
  { name: 'Leads import.json', mime: 'application/json' }
]

export const RECORD_NAMES = [
  'Gautum Trentson', 'Acme Holdings renewal', 'Refund request #4471', 'Northwind onboarding', 'Invoice dispute',
  'Globex Corp'
]
export const CHANNELS = ['#finance', '#support-escalations', '#eng-deploys', '#general', '#hr-private']
export const OAUTH_APPS = [
  'FileSync Pro', 'Calendar Helper Plus', 'Free PDF Converter', 'MailMerge Wizard', 'Sheets Automator'
]
export const FIELD_NAMES = ['Body', 'Description', 'Subject', 'Content', 'Title', 'Comment', 'Attachment']

export const CONTEXT_BEFORE = [
  'ard number on an old invoice (', 'UPS Tracking Number: 1Z W18 ', 'please use ', 'as discussed, ', 'SSN: ',
  'export AWS_ACCESS_KEY_ID=', 'IBAN ', '', 'patient MRN '
]
export const CONTEXT_AFTER = [
  ') -- can we use this on the up', ' 638 1\n', ' for the transfer', '.', ' thanks!', '', ' exp 09/27',
  '\nexport AWS_REGION=us-east-1'
]
export const CUSTOMER_KEYS = ['SOC-881', 'SOC-1204', 'INC0012345', 'INC0019876', 'JIRA-SEC-77', 'ExternalID']
