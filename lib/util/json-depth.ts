import { AppError } from '../errors';

/**
 * How deep a JSON body may nest (objects and arrays inside each other; `{}` is 1). The operator API's
 * bodies nest 6 levels at most (an on-call layer's coverage days; test/unit/request-limits.test.ts
 * checks every documented body against the limit); the tools' webhook payloads in events/webhooks/ 7
 * (Azure Monitor's common alert schema), with room left for custom templates (Datadog, Zabbix). Anything
 * deeper is refused before it is parsed: code that walks a parsed body (validation, label flattening,
 * the DynamoDB marshaller) recurses, and 10,000 levels would overflow its stack.
 */
export const MAX_JSON_DEPTH = 32;
export const MAX_WEBHOOK_JSON_DEPTH = 64;

/**
 * Whether a JSON text nests deeper than `maxDepth`: one pass over the characters counting the brackets
 * outside strings, without recursion and without parsing (for text that is not JSON the answer means
 * little, and JSON.parse refuses it next).
 */
export function jsonDepthExceeds(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c)
        index++; // a backslash: the next character is escaped
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x7b || code === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (code === 0x7d || code === 0x5d) {
      depth--;
    }
  }
  return false;
}

/** 422 `payload_too_deep`: a body (or a JSON text inside one) nests deeper than `maxDepth`. */
export const payloadTooDeep = (maxDepth: number) =>
  new AppError(422, 'payload_too_deep', `The body nests deeper than ${maxDepth} levels`, { maxDepth });
