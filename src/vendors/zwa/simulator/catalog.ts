// Static pools the generator draws from. Names are fictitious; shapes follow the reference's samples.
import type { SOURCE_TYPES } from './enums.ts'
import { integerFromDigits } from './json.ts'
import type { GroupLong } from './types.ts'

export const DEPARTMENTS = [
  'Finance', 'Engineering', 'Sales', 'Human Resources', 'Legal', 'Marketing', 'Support'
] as const
export const COUNTRIES = ['US', 'US', 'US', 'GB', 'DE', 'IN', 'FR', 'JP'] as const

const FIRST = ['jane', 'omar', 'li', 'maria', 'tom', 'aisha', 'pedro', 'yuki', 'sam', 'nina', 'raj', 'eva']
const LAST = ['doe', 'haddad', 'chen', 'garcia', 'baker', 'khan', 'silva', 'sato', 'ortiz', 'novak', 'patel', 'berg']
export const EMAIL_DOMAIN = 'example.com'
export const ADMIN_EMAILS = ['dlp-admin@example.com', 'soc-analyst@example.com', 'privacy-office@example.com'] as const
export const ADMIN_IDS = [90001, 90002, 90003] as const

export function userNames (): string[] {
  return FIRST.flatMap((first) => LAST.slice(0, 3).map((last) => `${first}.${last}`))
}

export interface AppSeed {
  name: string
  hostnameOrApplication: string
  category: string
  url: string | null
  source: keyof typeof SOURCE_TYPES
  actions: readonly string[]
}

// sourceActions are free text in ZWA; these mimic what inline, CASB and endpoint policies report.
export const APPS: readonly AppSeed[] = [
  {
    name: 'Box',
    hostnameOrApplication: 'BOX',
    category: 'File',
    url: 'https://app.box.com',
    source: 'CASB',
    actions: ['Change to Read Only for Internal Collaborators', 'Remove Public Link', 'Quarantine']
  },
  {
    name: 'OneDrive',
    hostnameOrApplication: 'OneDrive',
    category: 'File',
    url: 'https://onedrive.live.com',
    source: 'CASB',
    actions: ['Remove External Collaborators', 'Quarantine']
  },
  {
    name: 'Google Drive',
    hostnameOrApplication: 'Google Drive',
    category: 'File',
    url: 'https://drive.google.com',
    source: 'CASB',
    actions: ['Remove Public Link', 'Notify Owner']
  },
  {
    name: 'Gmail',
    hostnameOrApplication: 'Gmail',
    category: 'Webmail',
    url: 'https://mail.google.com',
    source: 'ZIA',
    actions: ['Block', 'Allow']
  },
  {
    name: 'Dropbox',
    hostnameOrApplication: 'dropbox.com',
    category: 'File',
    url: 'https://www.dropbox.com/upload',
    source: 'ZIA',
    actions: ['Block']
  },
  {
    name: 'Slack',
    hostnameOrApplication: 'slack.com',
    category: 'Collaboration',
    url: null,
    source: 'ZIA',
    actions: ['Allow', 'Block']
  },
  {
    name: 'Outlook',
    hostnameOrApplication: 'outlook.office365.com',
    category: 'Email',
    url: 'https://outlook.office365.com',
    source: 'ZIA',
    actions: ['Block', 'Quarantine']
  },
  {
    name: 'Removable Storage',
    hostnameOrApplication: 'USB',
    category: 'Endpoint',
    url: null,
    source: 'ZCC',
    actions: ['Block', 'Allow']
  },
  {
    name: 'Printer',
    hostnameOrApplication: 'Print',
    category: 'Endpoint',
    url: null,
    source: 'ZCC',
    actions: ['Allow']
  }
]

export interface EngineSeed { name: string, rule: string, dictionaries: readonly string[], policy: string }
export const ENGINES: readonly EngineSeed[] = [
  { name: 'PCI', rule: '((Credit Cards) > 0)', dictionaries: ['Credit Cards'], policy: 'Block-PCI-Uploads' },
  {
    name: 'GLBA',
    rule: '(((Citizen Service Number) > 0))',
    dictionaries: ['Citizen Service Number'],
    policy: 'GLBA-Monitor'
  },
  {
    name: 'HIPAA',
    rule: '((Medical Information) > 0 AND (Social Security Numbers) > 0)',
    dictionaries: ['Medical Information', 'Social Security Numbers'],
    policy: 'HIPAA-Protect'
  },
  {
    name: 'PII',
    rule: '((Social Security Numbers) > 2 OR (Email Addresses) > 20)',
    dictionaries: ['Social Security Numbers', 'Email Addresses'],
    policy: 'PII-External-Sharing'
  },
  { name: 'Source Code', rule: '((Source Code) > 0)', dictionaries: ['Source Code'], policy: 'Protect-Source-Code' },
  {
    name: 'Financial Statements',
    rule: '((Financial Statements) > 0)',
    dictionaries: ['Financial Statements'],
    policy: 'Finance-Confidential'
  }
]

export interface FileSeed { stem: string, type: string }
export const FILES: readonly FileSeed[] = [
  { stem: 'cards', type: 'xlsx' }, { stem: 'payroll', type: 'csv' }, { stem: 'patients', type: 'docx' },
  { stem: 'customer-export', type: 'csv' }, { stem: 'q3-forecast', type: 'pdf' }, { stem: 'main', type: 'py' },
  { stem: 'contract', type: 'docx' }, { stem: 'tax-return', type: 'pdf' }, { stem: 'keys', type: 'txt' }
]

export const LABELS = [
  { key: 'Reviewed', values: ['Yes', 'No'] },
  { key: 'Team', values: ['Finance', 'Legal', 'SecOps'] },
  { key: 'Confidential', values: ['Yes'] }
] as const

export const TICKET_SYSTEMS = {
  JIRA: {
    system: 'Corp Jira',
    projectId: '17',
    project: 'SecOps',
    url: 'https://jira.example.com/browse/',
    prefix: 'SEC-',
    states: ['To Do', 'In Progress', 'Done']
  },
  JIRA_CLOUD: {
    system: 'Jira Cloud',
    projectId: '10004',
    project: 'DLP',
    url: 'https://example.atlassian.net/browse/',
    prefix: 'DLP-',
    states: ['Open', 'Done']
  },
  SERVICENOW: {
    system: 'ServiceNow',
    projectId: 'incident',
    project: 'Security Incidents',
    url: 'https://example.service-now.com/nav_to.do?uri=incident.do?sys_id=',
    prefix: 'INC00',
    states: ['New', 'In Progress', 'Resolved']
  }
} as const

// Group ids beyond 2^53 (but within Java's long) on purpose (the Python SDK's example id is one): a
// client that parses them as doubles gets the wrong id.
export const GROUPS: readonly GroupLong[] = [
  group('1201', 'PCI', 'Card data', true),
  group('1202', 'Healthcare', 'Medical records and PHI', true),
  group('1203', 'Source Code', 'Repositories and code files', false),
  group('16786743992009003', 'Executives', 'Incidents by the executive team', true),
  group('1741064779329859993', 'External Sharing', 'Files shared outside the company', false),
  group('9007199254740993', 'Legacy Import', 'Imported from the previous DLP', false, 'INACTIVE')
]

function group (id: string, name: string, description: string, mapped: boolean, status = 'ACTIVE'): GroupLong {
  return {
    id: integerFromDigits(id),
    name,
    description,
    status,
    incidentGroupType: 'DLP',
    isDLPIncidentGroupAlreadyMapped: mapped,
    isDLPAdminConfigAlreadyMapped: !mapped
  }
}

export const METADATA_BASE = 'https://zwa-incident-metadata.s3.amazonaws.com/tenant-sim/'
