import { useI18n } from '../lib/i18n';
import { errorMessage } from '../lib/errors';

/** An API error as the shopper reads it (the appCode's message), announced to screen readers. */
export function ErrorNote({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {errorMessage(t, error)}
    </p>
  );
}
