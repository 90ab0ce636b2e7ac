// The vocabulary search on real EP responses (tests/fixtures/ep-api), and on the shapes
// the EP varies: strings where maps were, lists where objects were, missing fields.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { fold, readVocabulary, search, texts } from '../src/concepts.js';

const fixture = (name) => JSON.parse(readFileSync(new URL(`../../../tests/fixtures/ep-api/controlled-vocabularies-{voc-id}.${name}.json`, import.meta.url)));

test('fold drops case, diacritics and repeated spaces', () => {
  assert.equal(fold('  Décision  Öffentlich ŁÓDŹ Straße '), 'decision offentlich lodz strasse');
  assert.equal(fold('Απόφαση'), 'απόφαση');
});

test('texts reads every shape of a language map', () => {
  assert.deepEqual(texts({ en: 'Vote', fr: ['Vote', 'Scrutin'] }), [['en', 'Vote'], ['fr', 'Vote'], ['fr', 'Scrutin']]);
  assert.deepEqual(texts('Vote'), [['', 'Vote']]);
  assert.deepEqual(texts([{ '@language': 'de', '@value': 'Abstimmung' }, { en: 'Vote' }]), [['de', 'Abstimmung'], ['en', 'Vote']]);
  assert.deepEqual(texts(null), []);
  assert.deepEqual(texts(42), []);
});

test('a real vocabulary is read whole, with codes, labels and broader codes', () => {
  const vocabulary = readVocabulary(fixture('ep-document-types.trimmed'));
  assert.equal(vocabulary.id, 'ep-document-types');
  assert.equal(vocabulary.concepts.length, 33);
  assert.equal(vocabulary.skipped, 0);
  const day = vocabulary.concepts.find((c) => c.code === 'AGENDA_PLENARY_DAY');
  assert.deepEqual(day.broader, ['AGENDA']);
  assert.equal(day.labels.length, 24);
});

test('a label in another language finds the concept, labelled in the language asked for', () => {
  const vocabulary = readVocabulary(fixture('ep-decision-methods'));
  const result = search(vocabulary, 'Abstimmung', 'fr', 20);
  assert.ok(result.matched >= 1, JSON.stringify(result));
  const first = result.items[0];
  assert.match(first.matched, /^label:de$/);
  assert.equal(first.labelLanguage, undefined);
  assert.ok(first.label && !/abstimmung/i.test(first.label), 'the French label is shown');
});

test('an exact code ranks first, and words find codes', () => {
  const vocabulary = readVocabulary(fixture('ep-decision-methods'));
  const exact = search(vocabulary, 'vote', 'en', 100);
  assert.equal(exact.items[0].code, 'VOTE');
  assert.equal(exact.items[0].matched, 'code');
  assert.equal(exact.matched, exact.items.length);
  const codes = vocabulary.concepts.map((c) => c.code);
  const multiWord = codes.find((c) => c.includes('_'));
  const spaced = search(vocabulary, multiWord.toLowerCase().replaceAll('_', ' '), 'en', 5);
  assert.equal(spaced.items[0].code, multiWord);
});

test('limit keeps the best, matched counts all, and nothing found is an empty list', () => {
  const vocabulary = readVocabulary(fixture('ep-procedure-types'));
  const all = search(vocabulary, 'a', 'en', 100);
  const two = search(vocabulary, 'a', 'en', 2);
  assert.equal(two.items.length, 2);
  assert.equal(two.matched, all.matched);
  assert.deepEqual(two.items, all.items.slice(0, 2));
  const none = search(vocabulary, 'zzzzzz-not-a-word', 'en', 20);
  assert.deepEqual([none.matched, none.items, none.searched], [0, [], vocabulary.concepts.length]);
});

test('the shapes the EP varies are read, and what could not be read is said', () => {
  const document = {
    data: {
      id: 'def/ep-test',
      identifier: 'ep-test',
      inverse_inScheme: [
        { id: 'def/ep-test/ONE', prefLabel: 'One', definition: [{ '@language': 'en', '@value': 'The first.' }], broader: 'def/ep-test/ROOT', deprecated: 'true' },
        { identifier: 'TWO', prefLabel: { de: 'Zwei' }, broader: [{ id: 'def/ep-test/ROOT' }, 'def/ep-test/ONE'] },
        { prefLabel: { en: 'No code at all' } },
        'not an object',
      ],
    },
  };
  const vocabulary = readVocabulary(document);
  assert.deepEqual(vocabulary.concepts.map((c) => c.code), ['ONE', 'TWO']);
  assert.equal(vocabulary.skipped, 2);
  const result = search(vocabulary, 'zwei', 'en', 20);
  assert.deepEqual(result.items, [{ code: 'TWO', label: 'Zwei', labelLanguage: 'de', broader: ['ROOT', 'ONE'], matched: 'label:de' }]);
  assert.equal(result.dataQualityWarnings.length, 2, JSON.stringify(result.dataQualityWarnings));
  const one = search(vocabulary, 'first', 'en', 20).items[0];
  assert.deepEqual(one, { code: 'ONE', label: 'One', labelLanguage: 'none', definition: 'The first.', broader: ['ROOT'], deprecated: true, matched: 'definition:en' });
  assert.equal(readVocabulary({ data: [] }), null);
  assert.equal(readVocabulary({}), null);
});
