// The local stand-in for the EventBridge Pipe on the table's stream (infra/constructs/event-delivery.ts): reads
// DynamoDB Local's stream through the real DynamoDB Streams API, keeps the records that pass the Pipe's filter
// (functions/catalog.ts STREAM_RELAY.filter), and invokes the relay function with them in batches, as the Pipe
// invokes its Lambda target. Like the Pipe: records of a shard in order; a failing batch retried, split in halves
// when it keeps failing, and a record that still fails dead-lettered (kept in `deadLetters` and, with a data
// directory, in stream-dead-letters.jsonl). Where it got to in each shard (the checkpoint) is kept in the data
// directory after each page is handed on, so a restart after a crash goes on from there: a page is handed on at
// least once (a crash between hand-off and checkpoint repeats it), never skipped.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  type _Record as SdkStreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { StreamRecord } from '../../lib/store/stream';
import { matchesPattern } from './eventbridge-emulator';

export interface StreamReaderOptions {
  /** DynamoDB Local itself (never a fault-injecting proxy: the Pipe's reading is AWS's, not the product's). */
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  tableName: string;
  /** Where checkpoints and dead letters are kept; null: in memory only (a restart starts from the oldest record). */
  dataDir: string | null;
  /** An EventBridge-style pattern on the stream record. */
  filter: unknown;
  batchSize: number;
  /** Attempts of a batch before it is split (and of a single record before it is dead-lettered). */
  maxRetryAttempts: number;
  /** The relay function: a rejection is a failed attempt. */
  invoke: (records: StreamRecord[]) => Promise<unknown>;
  log: (line: string) => void;
  /** How long to wait before polling a shard that had nothing new. */
  idlePollMs?: number;
  /** Real milliseconds before the n-th retry of a batch: n × this (default 200). */
  retryDelayMs?: number;
}

export interface StreamDeadLetter {
  at: string;
  shardId: string;
  sequenceNumber: string | undefined;
  error: string;
  record: StreamRecord;
}

interface ShardState {
  id: string;
  parentId: string | undefined;
  /** The last sequence number handed on (or passed over by the filter). */
  checkpoint: string | undefined;
  /** Read to its end (a closed shard whose iterator ran out). */
  finished: boolean;
  iterator: string | undefined;
}

const CHECKPOINT_FILE = 'stream-checkpoints.json';
const DEAD_LETTER_FILE = 'stream-dead-letters.jsonl';
/** How often the shard list is read again (DynamoDB rolls shards over). */
const DESCRIBE_EVERY_MS = 5_000;

export class StreamReader {
  readonly deadLetters: StreamDeadLetter[] = [];
  private readonly db: DynamoDBClient;
  private readonly streams: DynamoDBStreamsClient;
  private readonly shards = new Map<string, ShardState>();
  private stopping = false;
  private loop: Promise<void> | undefined;
  /** Incremented by every pass over the shards that found nothing new and handed nothing on. */
  private quietPasses = 0;
  private activity = 0;
  /** Records read, records handed on (passed the filter), invocations, failed attempts; what the relay said it put on the bus and the queue. */
  private counters = { records: 0, relayed: 0, batches: 0, retries: 0, events: 0, alerts: 0 };

  constructor(private readonly options: StreamReaderOptions) {
    const config = { endpoint: options.endpoint, region: options.region, credentials: options.credentials };
    this.db = new DynamoDBClient(config);
    this.streams = new DynamoDBStreamsClient(config);
    this.loadCheckpoints();
    this.loadDeadLetters();
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop?.catch(() => undefined);
    this.db.destroy();
    this.streams.destroy();
  }

  /**
   * Resolves once a whole pass over the shards, begun after this call, found nothing new (a pass that
   * failed counts too: the reader is not getting anywhere, and waiting would hang). At once when not started.
   */
  async idle(): Promise<void> {
    if (!this.loop) return;
    const target = this.quietPasses + 2;
    while (this.quietPasses < target && !this.stopping) await sleep(10);
  }

  /** A number that changes whenever records are handed on (the local stack's idle check compares it). */
  get activityCount(): number {
    return this.activity;
  }

  stats() {
    return { ...this.counters, deadLettered: this.deadLetters.length };
  }

  private async run(): Promise<void> {
    let describedAt = 0;
    let streamArn: string | undefined;
    while (!this.stopping) {
      try {
        if (!streamArn || Date.now() - describedAt > DESCRIBE_EVERY_MS) {
          streamArn = await this.latestStreamArn();
          await this.describeShards(streamArn);
          describedAt = Date.now();
        }
        let handedOn = 0;
        for (const shard of this.readableShards()) handedOn += await this.pollShard(streamArn, shard);
        if (handedOn === 0) {
          this.quietPasses++;
          await sleep(this.options.idlePollMs ?? 25);
        }
      } catch (error) {
        if (this.stopping) break;
        this.options.log(`stream reader: ${(error as Error).message}`);
        // Read again from the checkpoints: a page whose hand-off failed is handed on again, not skipped.
        for (const shard of this.shards.values()) shard.iterator = undefined;
        streamArn = undefined;
        this.quietPasses++;
        await sleep(500);
      }
    }
  }

  private async latestStreamArn(): Promise<string> {
    const { Table } = await this.db.send(new DescribeTableCommand({ TableName: this.options.tableName }));
    if (!Table?.LatestStreamArn) throw new Error(`table ${this.options.tableName} has no stream`);
    return Table.LatestStreamArn;
  }

  private async describeShards(streamArn: string): Promise<void> {
    let start: string | undefined;
    do {
      const { StreamDescription } = await this.streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ...(start ? { ExclusiveStartShardId: start } : {}) }),
      );
      for (const shard of StreamDescription?.Shards ?? []) this.addShard(shard);
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
  }

  private addShard(shard: Shard): void {
    if (!shard.ShardId || this.shards.has(shard.ShardId)) return;
    this.shards.set(shard.ShardId, {
      id: shard.ShardId,
      parentId: shard.ParentShardId,
      checkpoint: undefined,
      finished: false,
      iterator: undefined,
    });
  }

  /** Shards with something left to read whose parent (if known) is finished: a child's records come after its parent's. */
  private readableShards(): ShardState[] {
    return [...this.shards.values()].filter((shard) => {
      if (shard.finished) return false;
      const parent = shard.parentId ? this.shards.get(shard.parentId) : undefined;
      return !parent || parent.finished;
    });
  }

  /** Reads one page of a shard, hands its matching records on, and moves the checkpoint; returns the records handed on. */
  private async pollShard(streamArn: string, shard: ShardState): Promise<number> {
    shard.iterator ??= await this.iteratorFor(streamArn, shard);
    let page;
    try {
      page = await this.streams.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: 1000 }));
    } catch (error) {
      if ((error as Error).name === 'ExpiredIteratorException' || (error as Error).name === 'TrimmedDataAccessException') {
        shard.iterator = undefined;
        return 0;
      }
      throw error;
    }
    const records = page.Records ?? [];
    if (records.length) {
      this.counters.records += records.length;
      const matching = records.map(toPipeRecord).filter((record) => matchesPattern(this.options.filter, record));
      // The page is handed on before the shard moves past it: if a hand-off throws, the next pass reads it again.
      for (let start = 0; start < matching.length; start += this.options.batchSize)
        await this.deliver(shard, matching.slice(start, start + this.options.batchSize));
      shard.checkpoint = records.at(-1)?.dynamodb?.SequenceNumber ?? shard.checkpoint;
    }
    shard.iterator = page.NextShardIterator;
    if (!shard.iterator) shard.finished = true;
    if (!records.length) return 0;
    this.saveCheckpoints();
    this.activity++;
    return records.length;
  }

  private async iteratorFor(streamArn: string, shard: ShardState): Promise<string> {
    const { ShardIterator } = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.id,
        ...(shard.checkpoint
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: shard.checkpoint }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    if (!ShardIterator) throw new Error(`no iterator for shard ${shard.id}`);
    return ShardIterator;
  }

  /** Invokes the relay with a batch, retrying; a batch that keeps failing is split, a single record dead-lettered. */
  private async deliver(shard: ShardState, batch: StreamRecord[]): Promise<void> {
    // Like the Pipe's maximumRetryAttempts: retries after the first attempt.
    const attempts = 1 + Math.max(0, this.options.maxRetryAttempts);
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts && !this.stopping; attempt++) {
      try {
        const result = (await this.options.invoke(batch)) as { events?: unknown; alerts?: unknown } | undefined;
        this.counters.batches++;
        this.counters.relayed += batch.length;
        if (typeof result?.events === 'number') this.counters.events += result.events;
        if (typeof result?.alerts === 'number') this.counters.alerts += result.alerts;
        return;
      } catch (error) {
        lastError = error;
        this.counters.retries++;
        await sleep((this.options.retryDelayMs ?? 200) * attempt);
      }
    }
    if (this.stopping) throw new Error('stopping');
    if (batch.length > 1) {
      const half = Math.ceil(batch.length / 2);
      await this.deliver(shard, batch.slice(0, half));
      await this.deliver(shard, batch.slice(half));
      return;
    }
    const [record] = batch as [StreamRecord];
    const letter: StreamDeadLetter = {
      at: new Date().toISOString(),
      shardId: shard.id,
      sequenceNumber: record.dynamodb?.SequenceNumber,
      error: (lastError as Error)?.message ?? String(lastError),
      record,
    };
    this.deadLetters.push(letter);
    this.options.log(`stream reader: a record failed ${attempts} times and was dead-lettered (${letter.error})`);
    if (this.options.dataDir) {
      mkdirSync(this.options.dataDir, { recursive: true });
      appendFileSync(join(this.options.dataDir, DEAD_LETTER_FILE), `${JSON.stringify(letter)}\n`);
    }
  }

  private loadCheckpoints(): void {
    const file = this.options.dataDir && join(this.options.dataDir, CHECKPOINT_FILE);
    if (!file || !existsSync(file)) return;
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { checkpoint?: string; parentId?: string; finished?: boolean }>;
    for (const [id, state] of Object.entries(saved))
      this.shards.set(id, {
        id,
        parentId: state.parentId,
        checkpoint: state.checkpoint,
        finished: Boolean(state.finished),
        iterator: undefined,
      });
  }

  private saveCheckpoints(): void {
    if (!this.options.dataDir) return;
    mkdirSync(this.options.dataDir, { recursive: true });
    const file = join(this.options.dataDir, CHECKPOINT_FILE);
    const saved = Object.fromEntries(
      [...this.shards.values()].map((shard) => [
        shard.id,
        { checkpoint: shard.checkpoint, parentId: shard.parentId, finished: shard.finished },
      ]),
    );
    writeFileSync(`${file}.tmp`, JSON.stringify(saved));
    renameSync(`${file}.tmp`, file);
  }

  private loadDeadLetters(): void {
    const file = this.options.dataDir && join(this.options.dataDir, DEAD_LETTER_FILE);
    if (!file || !existsSync(file)) return;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        this.deadLetters.push(JSON.parse(line) as StreamDeadLetter);
      } catch {
        // a torn last line (the process died while writing it)
      }
    }
  }
}

/** A record as a Pipe hands it to its Lambda target: plain JSON, the creation time in epoch seconds. */
function toPipeRecord(record: SdkStreamRecord): StreamRecord & Record<string, unknown> {
  const { dynamodb, ...rest } = record;
  const created = dynamodb?.ApproximateCreationDateTime;
  const json = JSON.parse(
    JSON.stringify({
      ...rest,
      dynamodb: { ...dynamodb, ...(created ? { ApproximateCreationDateTime: Math.floor(new Date(created).getTime() / 1000) } : {}) },
    }),
  ) as StreamRecord & Record<string, unknown>;
  for (const image of [json.dynamodb?.NewImage, (json.dynamodb as { Keys?: Record<string, unknown> } | undefined)?.Keys])
    if (image) repairEmptyMaps(image as Record<string, unknown>);
  return json;
}

/**
 * The Streams client reads an empty map attribute (`{"M": {}}` on the wire) back as `{}`, which is no
 * attribute value at all (unmarshalling fails). Only an empty map comes back that way (an empty list
 * keeps its `L`), so `{}` is put back as `{"M": {}}`, at every depth, as the Pipe would deliver it.
 */
function repairEmptyMaps(values: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(values)) {
    if (!value || typeof value !== 'object') continue;
    const attribute = value as { M?: Record<string, unknown>; L?: unknown[] };
    if (Object.keys(attribute).length === 0) values[name] = { M: {} };
    else if (attribute.M) repairEmptyMaps(attribute.M);
    else if (attribute.L) repairEmptyMaps(attribute.L as unknown as Record<string, unknown>);
  }
}
