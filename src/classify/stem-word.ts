/**
 * A light suffix stripper for English and Spanish (the district's staff write in both). It only needs to
 * be consistent, not linguistically exact: policy words and ticket words go through the same function,
 * so "printers", "printing" and "print" meet, and "calificaciones" meets "calificación".
 * Words of 3 letters or fewer are kept as they are (so "us", "pc", "fax" stay distinct).
 */
export function stemWord(word: string): string {
  let w = word;
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);
  if (w.endsWith('ations') || w.endsWith('ation')) w = w.slice(0, w.endsWith('s') ? -6 : -5);
  else if (w.endsWith('ing') && w.length > 5) w = undouble(w.slice(0, -3));
  else if (w.endsWith('ed') && w.length > 4) w = undouble(w.slice(0, -2));
  if (w.endsWith('e') && w.length > 3) w = w.slice(0, -1);
  return w;
}

/** "running" -> "runn" -> "run"; keeps "ll"/"ss" pairs such as "install" and "access". */
function undouble(w: string): string {
  const n = w.length;
  if (n > 3 && w.charCodeAt(n - 1) === w.charCodeAt(n - 2)) {
    const c = w[n - 1];
    if (c !== 'l' && c !== 's' && c !== 'z') return w.slice(0, -1);
  }
  return w;
}
