import type { FieldErrors, FieldValues } from 'react-hook-form';

/**
 * react-hook-form's nested errors as path -> message, the shape the API's refusals take (fieldErrors), so one
 * FieldError shows either. An error inside a list (`aliases.2`) is also shown on the list's own input.
 */
export function formErrors<T extends FieldValues>(errors: FieldErrors<T>): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (node: unknown, path: string[]) => {
    if (!node || typeof node !== 'object') return;
    const { message } = node as { message?: unknown };
    if (typeof message === 'string' && path.length) {
      found.set(path.join('.'), message);
      const listAt = path.findIndex((segment) => /^\d+$/.test(segment));
      if (listAt > 0 && !found.has(path.slice(0, listAt).join('.'))) found.set(path.slice(0, listAt).join('.'), message);
    }
    for (const [key, child] of Object.entries(node)) if (key !== 'ref' && key !== 'message' && key !== 'type') walk(child, [...path, key]);
  };
  walk(errors, []);
  return found;
}
