// An environment is one named thing to back up on a schedule (SPEC.md "Environments").

export type EnvironmentType = 'folder' | 'command';
export type MissedRunPolicy = 'runOnce' | 'skip';

export interface RetentionPolicy {
  keepLast?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
}

/** A validated environment with every variable expanded and every default filled in. */
export interface Environment {
  id: string;
  name: string;
  type: EnvironmentType;
  /** Folder to archive (folder type); working folder for the command (command type). */
  source: string | undefined;
  command: string | undefined;
  destination: string;
  schedule: string;
  /** IANA zone, or undefined for the host's local zone. */
  timezone: string | undefined;
  enabled: boolean;
  exclude: string[];
  useGitignore: boolean;
  retention: RetentionPolicy | undefined;
  missedRun: MissedRunPolicy;
  timeoutMinutes: number | undefined;
  skipIfUnchanged: boolean;
  verify: boolean;
  /** Where the entry came from; a workspace-defined command needs a trusted workspace. */
  origin: 'user' | 'workspace';
  /** How backups are stored (SPEC "Engines"); parse fills 'archive' when the entry names none. */
  engine?: 'archive' | 'restic';
  /** restic: the repository string (path, sftp:, rest:, s3:, rclone:, ...), `~` and `${env:VAR}` expanded. */
  repository?: string;
  /** restic: restic's own --password-file / --password-command; else the password is in SecretStorage. */
  passwordFile?: string;
  passwordCommand?: string;
  /** restic: extra backend variables; values may hold `${secret:NAME}`, resolved only when a task runs. */
  backendEnv?: Record<string, string>;
  /** restic: `check --read-data-subset` value for verify, e.g. "5%". */
  verifyDataSubset?: string;
  /** Pinged at /start, on success and at /fail of each backup (healthchecks.io / Uptime Kuma style). */
  healthcheckUrl?: string;
  /**
   * The workspace folder this environment belongs to, when it depends on one (its id is then
   * `<id>@<folder key>`): it runs only while that folder is open in some window.
   */
  folder?: string;
  /** command: pass the whole extension-host environment to the command (default: only what it needs). */
  inheritEnv?: boolean;
}

/** One entry of the setting, valid or not, in the order the user wrote them. */
export type EnvironmentEntry =
  | { index: number; valid: true; environment: Environment }
  | { index: number; valid: false; id: string | undefined; name: string; errors: string[] };
