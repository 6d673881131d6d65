// How deeply a JSON text nests, checked before parsing: one linear pass over the characters,
// no recursion and no allocation, so a hostile body is refused before anything recurses over it
// (JSON.stringify, schema validators). Pure: used by the relay and the node's local API alike.

const OPEN_OBJ = 123,
  OPEN_ARR = 91,
  CLOSE_OBJ = 125,
  CLOSE_ARR = 93,
  QUOTE = 34,
  BACKSLASH = 92;

/** Whether `text` opens more than `max` objects/arrays inside each other (strings are skipped). */
export function jsonNestsDeeper(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_OBJ || c === OPEN_ARR) {
      if (++depth > max) return true;
    } else if (c === CLOSE_OBJ || c === CLOSE_ARR) depth--;
  }
  return false;
}
