/**
 * Every URL in `text` with its password replaced by `***` (`redis://:s3cret@h:6379` →
 * `redis://:***@h:6379`): connection URLs are printed in start-up errors, and a password in a
 * log line is a password in every log store it reaches (spec §9).
 */
export function redactUrls(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s]*@/gi, '$1:***@');
}
