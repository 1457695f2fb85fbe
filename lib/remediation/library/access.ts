import { defineRunbook } from '../../domain/remediation/runbook';
import { script } from './script';

/** File ownership and permissions under an allow-listed prefix, with every previous owner and mode recorded for the rollback. */

const ACCOUNT_PATTERN = '[a-z_][a-z0-9_-]{0,31}';
/** No set-id bits and never world-writable: the last digit has no write bit. */
const MODE_PATTERN = '0?[0-7][0-7][0145]';

export const linuxPermissionFix = defineRunbook({
  id: 'linux-permission-fix',
  name: 'Linux permission fix (chown/chmod under an allowed prefix)',
  description:
    'Sets owner, group and modes on a path under /var/www, /srv, /opt or /data (the resolved path is checked too, so a symbolic link cannot lead ' +
    'elsewhere), optionally recursively, never following symbolic links and never making anything world-writable or set-id. Every previous owner and ' +
    'mode is recorded; the rollback puts them back.',
  platform: 'linux',
  risk: 'medium',
  match: {
    categories: ['service', 'security', 'disk'],
    keywords: [
      'permission',
      'permissions',
      'denied',
      'eacces',
      'eperm',
      'ownership',
      'chmod',
      'chown',
      'forbidden',
      'unwritable',
      'readonly',
    ],
    signaturePatterns: ['permission.?denied', 'eacces', 'not.?writable'],
    requireSignal: true,
  },
  parameters: [
    {
      name: 'path',
      type: 'string',
      description: 'A file or directory under /var/www, /srv, /opt or /data (no .. segments)',
      pattern: '(?!.*/\\.\\.?(?:/|$))(?:/var/www|/srv|/opt|/data)(?:/[A-Za-z0-9._@+-]+)+',
      maxLength: 512,
      example: '/var/www/html/uploads',
      fromLabels: ['path', 'file', 'directory'],
    },
    { name: 'owner', type: 'string', description: 'Owning user', pattern: ACCOUNT_PATTERN, maxLength: 32, example: 'www-data' },
    { name: 'group', type: 'string', description: 'Owning group', pattern: ACCOUNT_PATTERN, maxLength: 32, example: 'www-data' },
    {
      name: 'fileMode',
      type: 'string',
      description: 'Mode for files (octal, not world-writable)',
      pattern: MODE_PATTERN,
      maxLength: 4,
      default: '0644',
    },
    {
      name: 'dirMode',
      type: 'string',
      description: 'Mode for directories (octal, not world-writable)',
      pattern: MODE_PATTERN,
      maxLength: 4,
      default: '0755',
    },
    { name: 'recursive', type: 'enum', description: 'Apply to everything below the path', values: ['no', 'yes'], default: 'no' },
    {
      name: 'maxEntries',
      type: 'integer',
      description: 'Refuse when more files and directories than this would change',
      min: 1,
      max: 1000000,
      default: 100000,
    },
  ],
  preChecks: script`
    TARGET={{path}}
    OWNER={{owner}}
    GROUP={{group}}
    RECURSIVE={{recursive}}
    MAX_ENTRIES={{maxEntries}}
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    if [ -L "$TARGET" ]; then echo "$TARGET is a symbolic link: refusing" >&2; exit 1; fi
    REAL=$(realpath -e "$TARGET")
    case "$REAL" in
      /var/www/?*|/srv/?*|/opt/?*|/data/?*) ;;
      *) echo "$TARGET resolves to $REAL, outside the allowed prefixes" >&2; exit 1 ;;
    esac
    if ! getent passwd "$OWNER" >/dev/null; then echo "no user $OWNER" >&2; exit 1; fi
    if ! getent group "$GROUP" >/dev/null; then echo "no group $GROUP" >&2; exit 1; fi
    if [ "$RECURSIVE" = yes ]; then DEPTH=4096; else DEPTH=0; fi
    COUNT=$(find "$REAL" -xdev -maxdepth "$DEPTH" \( -type f -o -type d \) -printf '.' | wc -c)
    if [ "$COUNT" -gt "$MAX_ENTRIES" ]; then echo "$COUNT entries: more than $MAX_ENTRIES" >&2; exit 1; fi
    if [ -n "$(find "$REAL" -xdev -maxdepth "$DEPTH" -name '*[[:cntrl:]]*' -print -quit)" ]; then echo "file names with control characters: refusing" >&2; exit 1; fi
    mkdir -p "$STATE_DIR"
    echo "$REAL" > "$STATE_DIR/target"
    find "$REAL" -xdev -maxdepth "$DEPTH" \( -type f -o -type d \) -printf '%m\t%u\t%g\t%p\n' > "$STATE_DIR/permissions-before"
    echo "$COUNT entries recorded"
  `,
  commands: script`
    OWNER={{owner}}
    GROUP={{group}}
    FILE_MODE={{fileMode}}
    DIR_MODE={{dirMode}}
    RECURSIVE={{recursive}}
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    REAL=$(cat "$STATE_DIR/target")
    if [ "$RECURSIVE" = yes ]; then DEPTH=4096; else DEPTH=0; fi
    find "$REAL" -xdev -maxdepth "$DEPTH" -type d -exec chmod "$DIR_MODE" {} +
    find "$REAL" -xdev -maxdepth "$DEPTH" -type f -exec chmod "$FILE_MODE" {} +
    find "$REAL" -xdev -maxdepth "$DEPTH" \( -type f -o -type d \) -exec chown -h "$OWNER:$GROUP" {} +
  `,
  verification: script`
    OWNER={{owner}}
    GROUP={{group}}
    FILE_MODE={{fileMode}}
    DIR_MODE={{dirMode}}
    RECURSIVE={{recursive}}
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    REAL=$(cat "$STATE_DIR/target")
    if [ "$RECURSIVE" = yes ]; then DEPTH=4096; else DEPTH=0; fi
    WRONG=$(find "$REAL" -xdev -maxdepth "$DEPTH" \( \( -type f ! -perm "$FILE_MODE" \) -o \( -type d ! -perm "$DIR_MODE" \) -o \( \( -type f -o -type d \) \( ! -user "$OWNER" -o ! -group "$GROUP" \) \) \) -printf '.' | wc -c)
    echo "entries not as requested: $WRONG"
    if [ "$WRONG" -gt 0 ]; then exit 1; fi
  `,
  rollback: script`
    STATE_DIR=/var/tmp/alert-whisperer/{{executionId}}
    # Put back every recorded owner, group and mode (symbolic links are never touched).
    while IFS=$'\t' read -r MODE F_OWNER F_GROUP FILE; do
      if [ ! -e "$FILE" ] || [ -L "$FILE" ]; then continue; fi
      chown -h "$F_OWNER:$F_GROUP" "$FILE"
      chmod "$MODE" "$FILE"
    done < "$STATE_DIR/permissions-before"
  `,
  rollbackNote: 'Restores the owner, group and mode of every file and directory recorded by the pre-check.',
  timeoutSeconds: 900,
  maxTargets: 5,
});
