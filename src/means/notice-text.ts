/**
 * A notice in words (the page at sign-in and the e-mail say the same thing): what changed,
 * which key, and who did it when it was not the clinician.
 */
import type { Translate } from '../http/i18n.ts';
import type { Notice } from './notices.ts';

export function noticeText(notice: Notice, t: Translate): string {
  const key = notice.keyName ? t('notice.keyNamed', { name: notice.keyName }) : t(`notice.kind.${notice.kind ?? 'unknown'}`);
  const by = notice.change === 'revoked' && notice.by === 'admin' ? t('notice.byAdmin', { count: notice.count ?? 1 }) : '';
  return `${t(`notice.change.${notice.change}`, { key })}${by}.`;
}
