// epmcp's `tool-provider` world in JavaScript: one tool that searches an EP controlled
// vocabulary. Its requests go out through fetch(), which is wasi:http, which the host's
// egress gateway allows only to the prefix declared below.

import { LANGUAGES, fold, readVocabulary, search } from './concepts.js';

const EP_API = 'https://data.europarl.europa.eu/api/v2/';
const NAME = 'search_vocabulary_concepts';
const PREFIX = 'controlled-vocabularies';

const INPUT = {
  type: 'object',
  properties: {
    vocabulary: {
      type: 'string',
      description: 'Vocabulary id (get_controlled_vocabularies lists them): ep-document-types, ep-procedure-types, ep-statuses, ep-decision-methods, ep-roles …',
      minLength: 1,
      maxLength: 200,
      pattern: '^(?:def/)?[a-z0-9]+(?:-[a-z0-9]+)*$',
    },
    text: {
      type: 'string',
      description: "What to find, in any EU language: matched case- and accent-insensitively against codes, labels, alternative labels and definitions, e.g. 'roll-call', 'Bericht'.",
      minLength: 1,
      maxLength: 100,
      pattern: '\\S',
    },
    language: { type: 'string', enum: LANGUAGES, default: 'en', description: 'Language of the labels and definitions returned.' },
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20, description: 'Most concepts returned; matched counts them all.' },
  },
  required: ['vocabulary', 'text'],
  additionalProperties: false,
};

const OUTPUT = {
  type: 'object',
  properties: {
    vocabulary: { type: 'string' },
    title: { type: 'string' },
    text: { type: 'string' },
    language: { type: 'string' },
    searched: { type: 'integer', description: 'Concepts read from the vocabulary.' },
    matched: { type: 'integer', description: 'Concepts that matched (items holds the best, up to limit).' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          code: { type: 'string', description: 'The code other EP data and tools use.' },
          label: { type: 'string' },
          labelLanguage: { type: 'string', description: 'Set when the label is not in the language asked for.' },
          definition: { type: 'string' },
          broader: { type: 'array', items: { type: 'string' } },
          deprecated: { type: 'boolean' },
          matched: { type: 'string', description: "Where the text was found: 'code', 'label:fr', 'altLabel:de', 'definition:en'." },
        },
        required: ['code', 'matched'],
      },
    },
    dataQualityWarnings: { type: 'array', items: { type: 'string' } },
  },
  required: ['vocabulary', 'text', 'language', 'searched', 'matched', 'items'],
};

/** A WIT `tool-error`: thrown, it becomes the call's `err`. */
class ToolError {
  constructor(tag, val) {
    this.payload = { tag, val };
  }
}

async function readScheme(id) {
  const endpoint = `/${PREFIX}/${id}`;
  let response;
  let body;
  try {
    response = await fetch(`${EP_API}${PREFIX}/${encodeURIComponent(id)}?format=application%2Fld%2Bjson`, {
      headers: { accept: 'application/ld+json' },
    });
    body = await response.text();
  } catch {
    // fetch() says no more than that it failed; the host's log and audit say why.
    throw new ToolError('upstream-unavailable', `no usable answer from the EP API for ${endpoint} (unreachable, too slow, redirected or too large)`);
  }
  // The EP's status rules: 204, 404 and an empty 200 mean there is no such vocabulary.
  if (response.status === 204 || response.status === 404 || (response.status === 200 && !body.trim())) {
    throw new ToolError('not-found', `no controlled vocabulary '${id}' (get_controlled_vocabularies lists them)`);
  }
  if (response.status === 429) {
    throw new ToolError('upstream-error', { status: 429, message: `the EP API is rate limiting requests for ${endpoint}; retry later` });
  }
  if (response.status !== 200) {
    throw new ToolError('upstream-error', { status: response.status, message: `the EP API answered HTTP ${response.status} for ${endpoint}` });
  }
  let document;
  try {
    document = JSON.parse(body);
  } catch {
    throw new ToolError('upstream-error', { status: 200, message: `the EP API sent malformed JSON for ${endpoint}` });
  }
  const vocabulary = readVocabulary(document);
  if (!vocabulary) throw new ToolError('upstream-error', { status: 200, message: `the EP API sent no vocabulary for ${endpoint}` });
  return vocabulary;
}

async function searchConcepts(args) {
  const id = args.vocabulary.replace(/^def\//, '');
  if (!fold(args.text)) throw new ToolError('invalid-arguments', 'text: give some letters or digits to look for');
  const vocabulary = await readScheme(id);
  const result = search({ ...vocabulary, id: vocabulary.id ?? id }, args.text, args.language ?? 'en', args.limit ?? 20);
  return { structured: JSON.stringify(result), content: [] };
}

export const tools = {
  describe() {
    return {
      name: 'concepts',
      version: '0.1.0',
      tools: [
        {
          name: NAME,
          title: 'Search a controlled vocabulary',
          description:
            'Finds the concepts of one EP controlled vocabulary matching a text in any EU language, best first, with their codes (what other tools take and return), labels in the language asked for, definitions and broader codes.',
          inputSchema: JSON.stringify(INPUT),
          outputSchema: JSON.stringify(OUTPUT),
          annotations: { readOnly: true, destructive: false, idempotent: true, openWorld: true },
          egressPrefixes: [PREFIX],
        },
      ],
      resources: [],
      prompts: [],
    };
  },

  async call(tool, argumentsJson) {
    try {
      if (tool !== NAME) throw new ToolError('internal', `no tool '${tool}' in this component`);
      return await searchConcepts(JSON.parse(argumentsJson));
    } catch (error) {
      // A thrown ToolError is the answer; anything else is a bug, reported without its stack.
      throw error instanceof ToolError ? error : new ToolError('internal', `search failed: ${error?.message ?? error}`);
    }
  },
};
