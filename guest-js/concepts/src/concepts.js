// Reading and searching one EP controlled vocabulary (a SKOS concept scheme), as the EP
// API sends it: plain functions over JSON, tested natively with `node --test`.

/** The 24 official EU languages, in which the EP labels its concepts. */
export const LANGUAGES = ['bg', 'cs', 'da', 'de', 'el', 'en', 'es', 'et', 'fi', 'fr', 'ga', 'hr', 'hu', 'it', 'lt', 'lv', 'mt', 'nl', 'pl', 'pt', 'ro', 'sk', 'sl', 'sv'];

// Latin letters with diacritics in the EU's languages, and what they fold to. The engine
// has no Unicode normalisation (no ICU), so the fold is spelled out; Greek and Cyrillic
// fold by case only.
const FOLDS = {
  a: 'áàâäãåāăą', c: 'çćč', d: 'ďđ', e: 'éèêëēėęě', g: 'ġğ', h: 'ħ', i: 'íìîïīį', l: 'łľĺļ', n: 'ñńňņ',
  o: 'óòôöõőø', r: 'ŕř', s: 'śšşș', t: 'ťţț', u: 'úùûüūůűų', y: 'ýÿ', z: 'źżž',
};
const FOLD = new Map(Object.entries(FOLDS).flatMap(([plain, marked]) => [...marked].map((c) => [c, plain])));
FOLD.set('ß', 'ss').set('æ', 'ae').set('œ', 'oe');
// One native regex pass: the engine interprets JavaScript (no JIT), so loops cost.
const MARKED = new RegExp(`[${[...FOLD.keys()].join('')}]`, 'g');

/** Lower case, diacritics off, runs of space as one: what matching compares. */
export function fold(text) {
  return String(text).toLowerCase().replace(MARKED, (c) => FOLD.get(c)).replace(/\s+/g, ' ').trim();
}

/** A JSON-LD language map as [language, text] pairs: `{"en": "x"}`, `{"en": ["x", "y"]}`,
 *  a plain string (no language), or a list of `{"@language", "@value"}` objects. */
export function texts(value) {
  if (value == null) return [];
  if (typeof value === 'string') return [['', value]];
  if (Array.isArray(value)) return value.flatMap((v) => (v && typeof v === 'object' && '@value' in v ? [[v['@language'] ?? '', String(v['@value'])]] : texts(v)));
  if (typeof value === 'object') {
    return Object.entries(value).flatMap(([lang, v]) => (Array.isArray(v) ? v : [v]).filter((t) => typeof t === 'string').map((t) => [lang, t]));
  }
  return [];
}

/** The last segment of an EP id or IRI: `def/ep-statuses/ADOPTED` → `ADOPTED`. */
function code(value) {
  const id = typeof value === 'string' ? value : value && typeof value === 'object' ? value.identifier ?? value.id : null;
  return typeof id === 'string' && id ? id.split('/').filter(Boolean).pop() : null;
}

function list(value) {
  return value == null ? [] : Array.isArray(value) ? value : [value];
}

/**
 * The vocabulary in an EP document (`data[0]`, its concepts in `inverse_inScheme`).
 * Returns its id, title and concepts, and how many concepts had no code (skipped).
 */
export function readVocabulary(document) {
  const scheme = list(document?.data).find((item) => item && typeof item === 'object');
  if (!scheme) return null;
  const concepts = [];
  let skipped = 0;
  for (const item of list(scheme.inverse_inScheme)) {
    const id = item && typeof item === 'object' ? code(item.identifier ?? item.id) : null;
    if (!id) {
      skipped += 1;
      continue;
    }
    concepts.push({
      code: id,
      labels: texts(item.prefLabel),
      altLabels: texts(item.altLabel),
      definitions: texts(item.definition),
      broader: list(item.broader).map(code).filter(Boolean),
      deprecated: item.deprecated === true || item.deprecated === 'true',
    });
  }
  const title = texts(scheme.title_dcterms ?? scheme.title ?? scheme.prefLabel);
  return { id: code(scheme.identifier ?? scheme.id), title: pick(title, 'en'), concepts, skipped };
}

/** The text in `language`, else English, else the first; with the language it is in. */
function pick(pairs, language) {
  const found = pairs.find(([l]) => l === language) ?? pairs.find(([l]) => l === 'en') ?? pairs[0];
  return found ? { text: found[1], language: found[0] } : null;
}

/**
 * The concepts whose code, labels (every language), alternative labels or definitions
 * contain `query` (folded), best first: the code itself, a whole label, then the code,
 * a label, an alternative label and a definition containing it; the EP's order breaks ties.
 */
export function search(vocabulary, query, language, limit) {
  const wanted = fold(query);
  const wantedCode = wanted.replace(/[\s-]+/g, '_');
  const ranked = [];
  vocabulary.concepts.forEach((concept, order) => {
    const code = fold(concept.code);
    const labels = concept.labels.map(([l, t]) => [l, fold(t)]);
    // Best first; the first check that holds says where the text was found.
    const checks = [
      () => code === wantedCode && 'code',
      () => where('label', labels, (t) => t === wanted),
      () => code.includes(wantedCode) && 'code',
      () => where('label', labels, (t) => t.includes(wanted)),
      () => where('altLabel', concept.altLabels, (t) => fold(t).includes(wanted)),
      () => where('definition', concept.definitions, (t) => fold(t).includes(wanted)),
    ];
    for (const [rank, check] of checks.entries()) {
      const matched = check();
      if (matched) {
        ranked.push({ rank, order, matched, concept });
        break;
      }
    }
  });
  ranked.sort((a, b) => a.rank - b.rank || a.order - b.order);
  const warnings = [];
  if (vocabulary.skipped) warnings.push(`${vocabulary.skipped} concept(s) of ${vocabulary.id} have no code and were not searched`);
  const items = ranked.slice(0, limit).map(({ matched, concept }) => item(concept, matched, language));
  const fellBack = items.filter((i) => i.labelLanguage).length;
  if (fellBack) warnings.push(`${fellBack} concept(s) have no label in '${language}': labelLanguage says which language is shown`);
  return {
    vocabulary: vocabulary.id,
    ...(vocabulary.title ? { title: vocabulary.title.text } : {}),
    text: query,
    language,
    searched: vocabulary.concepts.length,
    matched: ranked.length,
    items,
    ...(warnings.length ? { dataQualityWarnings: warnings } : {}),
  };
}

/** `label:fr` for the first text of `pairs` that passes `test`, or nothing. */
function where(field, pairs, test) {
  const pair = pairs.find(([, text]) => test(text));
  return pair && (pair[0] ? `${field}:${pair[0]}` : field);
}

function item(concept, matched, language) {
  const shown = pick(concept.labels, language);
  const definition = pick(concept.definitions, language);
  return {
    code: concept.code,
    ...(shown ? { label: shown.text } : {}),
    ...(shown && shown.language !== language ? { labelLanguage: shown.language || 'none' } : {}),
    ...(definition ? { definition: definition.text } : {}),
    ...(concept.broader.length ? { broader: concept.broader } : {}),
    ...(concept.deprecated ? { deprecated: true } : {}),
    matched,
  };
}
