import { errorData } from '../lib/errors';

/** The server's message for one field of a refused input (`data.zodError.fieldErrors[path]`), shown beside that field. */
export function FieldError({ error, path }: { error: unknown; path: string }) {
  const message = errorData(error)?.zodError?.fieldErrors?.[path]?.[0];
  if (!message) return null;
  return (
    <small className="error field-error" data-field-error={path}>
      {message}
    </small>
  );
}
