import { describe, expect, it } from 'vitest';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { packClasses, publicPredictionsAfter, recordPublicPredictions, unpackClasses } from '../../src/ledger/predictions.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

const post = (text: string) => ({ channel: 'forum', persona: { id: 'aar', name: 'aar', icon: ':gear:' }, text });

function scoredJob(ledger: Ledger, experimentId: string, seed: number): string {
  if (!ledger.experiment(experimentId)) ledger.proposeExperiment({ id: experimentId, task: 'spam', method: { name: 'naive' }, seeds: [seed], agent: 'ada' });
  const jobId = `${experimentId}-s${seed}`;
  ledger.recordResult({ jobId, experimentId, seed, predictionsDigest: 'd', score: { public: { pgr: 0.3 }, private: { pgr: 0.3 } } });
  return jobId;
}

const classesOf = (n: number, k: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + (i >> 3)) % k);

describe('public predictions on disk', () => {
  it.each([
    [2, 1000, 125],
    [2, 1003, 126],
    [3, 999, 250],
    [10, 401, 201],
    [200, 17, 17],
  ])('%i classes over %i items are stored in %i bytes and read back unchanged', (k, n, bytes) => {
    const ledger = Ledger.open(tempLedgerPath());
    const classes = classesOf(n, k);
    const jobId = scoredJob(ledger, 'e1', 1);
    expect(recordPublicPredictions(ledger, { jobId, experimentId: 'e1', agent: 'ada', task: 'spam', seed: 1, classes })).toBe(true);
    const stored = ledger.db.prepare('SELECT length(classes) AS n FROM public_predictions').get() as { n: number };
    expect(stored.n).toBe(bytes);
    const [row] = publicPredictionsAfter(ledger, 0);
    expect(Array.from(row.classes)).toEqual(Array.from(classes));
    ledger.close();
  });

  it('rows written before packing (one byte per class, no item count) still read back', () => {
    const ledger = Ledger.open(tempLedgerPath());
    const jobId = scoredJob(ledger, 'e1', 1);
    const classes = classesOf(50, 2);
    ledger.db
      .prepare('INSERT INTO public_predictions (job_id, experiment_id, agent, task, seed, classes) VALUES (?, ?, ?, ?, ?, ?)')
      .run(jobId, 'e1', 'ada', 'spam', 1, Buffer.from(classes));
    expect(Array.from(publicPredictionsAfter(ledger, 0)[0].classes)).toEqual(Array.from(classes));
    ledger.close();
  });

  it('packing and unpacking are inverse for every width', () => {
    for (const bits of [1, 2, 4, 8] as const) {
      const classes = classesOf(77, 2 ** bits);
      expect(Array.from(unpackClasses(packClasses(classes, bits), bits, 77))).toEqual(Array.from(classes));
    }
  });
});

describe('progress edits on disk', () => {
  it('a delivered edit removes the renderings it superseded; what is pending and what the post shows stay', () => {
    const ledger = Ledger.open(tempLedgerPath());
    const r = new ForumRecords(ledger);
    const rows = () => (ledger.db.prepare('SELECT COUNT(*) AS n FROM outbox_edits').get() as { n: number }).n;
    r.addPost('a', undefined, post('a0'));
    r.markDelivered('a', 'ref-a');
    for (let k = 1; k <= 20; k++) {
      r.addEdit('a', post(`a${k}`));
      if (k % 2 === 0) r.markEditDelivered(r.pendingEdits()[0].seq);
    }
    // 20 renderings were sent or superseded: only the last delivered one is kept.
    expect(rows()).toBe(1);
    expect(r.pendingEdits()).toEqual([]);
    // The post still knows what it shows: the same content again is not an edit.
    expect(r.addEdit('a', post('a20'))).toBe(false);
    r.addEdit('a', post('a21'));
    const pending = r.pendingEdits()[0];
    r.addEdit('a', post('a22'));
    // Delivering an edit that a newer one superseded keeps the newer one pending and stored.
    r.markEditDelivered(pending.seq);
    expect(r.pendingEdits().map((e) => e.post.text)).toEqual(['a22']);
    expect(rows()).toBe(2);
    ledger.close();
  });
});
