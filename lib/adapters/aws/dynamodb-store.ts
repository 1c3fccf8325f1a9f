import {
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand as QueryItemsCommand,
  type AttributeValue,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  UpdateCommand,
  type QueryCommandInput,
  type TranslateConfig,
} from '@aws-sdk/lib-dynamodb';
import { AdapterError, expectOnly, ReachoutError, ValidationError } from '../../core/errors';
import { itemKeyId, type Changes, type Condition, type Item, type ItemKey, type Page, type Query, type Store, type WriteResult } from '../../ports/store';
import { INDEX_NAMES, INDEX_PROJECTIONS, type Projection } from '../../store/indexes';
import { chunk, describeError, errorName, isTransient, retryPending, retryPolicy, type RetryPolicy, type Sleep } from './retry';

// The indexes and their projections are one list for the deployed, local and in-memory tables.
export { INDEX_NAMES, KEYS_ONLY_INDEXES } from '../../store/indexes';

/** How the document client converts items: undefined attributes are dropped, class instances are refused. */
export const translateConfig: TranslateConfig = {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
};

/** An index projection as CreateTable spells it. */
export function dynamoProjection(p: Projection): { ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; NonKeyAttributes?: string[] } {
  return p.type === 'INCLUDE' ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...p.attributes] } : { ProjectionType: p.type };
}

/** The single table's shape (CreateTable input without the name), shared by the local runtime and tests. */
export const tableDefinition: Omit<CreateTableCommandInput, 'TableName'> = {
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    ...INDEX_NAMES.flatMap((i) => [
      { AttributeName: `${i}pk`, AttributeType: 'S' as const },
      { AttributeName: `${i}sk`, AttributeType: 'S' as const },
    ]),
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: INDEX_NAMES.map((i) => ({
    IndexName: i,
    KeySchema: [
      { AttributeName: `${i}pk`, KeyType: 'HASH' as const },
      { AttributeName: `${i}sk`, KeyType: 'RANGE' as const },
    ],
    Projection: dynamoProjection(INDEX_PROJECTIONS[i]),
  })),
  BillingMode: 'PAY_PER_REQUEST',
};

/** CreateTable input for the single table under `tableName`. */
export const createTableInput = (tableName: string): CreateTableCommandInput => ({ TableName: tableName, ...tableDefinition });

/**
 * Wraps a DynamoDB client in a document client with the store's conversion rules, without the SDK's logger
 * middleware. Why: that middleware walks every request and response through the schema's sensitive-data filter
 * before handing it to the client's logger, even when the logger is the default no-op one (it calls
 * `logger.info` whenever the method exists); with the report's aggregate items (tens of KB of numeric
 * attributes) that was ~5 % of a read's CPU. We never give the SDK a logger: our own log lines say what failed.
 */
export const createDocumentClient = (client: DynamoDBClient): DynamoDBDocumentClient => {
  client.middlewareStack.remove('loggerMiddleware');
  const doc = DynamoDBDocumentClient.from(client, translateConfig);
  complete.add(doc);
  return doc;
};

/**
 * Document clients made by {@link createDocumentClient}: their middleware stack is final when they are handed out
 * (X-Ray's capture, the one other addition, wraps the client before), so the store may keep the handler it resolves
 * for its reads (see `DynamoDbStore.read`).
 */
const complete = new WeakSet<DynamoDBDocumentClient>();

type ReadCommand = GetItemCommand | QueryItemsCommand | BatchGetItemCommand;
type ReadHandler = (command: ReadCommand) => Promise<{ output: unknown }>;

// One client per module (Lambda execution environment), created on first use so importing is free.
let defaultDocumentClient: DynamoDBDocumentClient | undefined;
const defaultClient = () => (defaultDocumentClient ??= createDocumentClient(new DynamoDBClient({})));

/** Options of the DynamoDB store. */
export interface DynamoDbStoreOptions {
  tableName: string;
  /** Document client; its marshall options should be `translateConfig`'s. A shared default otherwise. */
  client?: DynamoDBDocumentClient;
  /** Backoff sleep between retries of unprocessed batch items. */
  sleep?: Sleep;
  /** Attempts per batch chunk, the first included (default 6). */
  maxAttempts?: number;
  /** Batch chunks in flight at once (default 4). */
  concurrency?: number;
  /** Jitter source; for tests. */
  random?: () => number;
}

const SERVICE = 'DynamoDB';
const BATCH_GET_SIZE = 100;
const BATCH_WRITE_SIZE = 25;

type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: ItemKey } };

/** The Store port on one DynamoDB table through the document client. */
export class DynamoDbStore implements Store {
  private readonly tableName: string;
  private readonly client: DynamoDBDocumentClient;
  private readonly policy: RetryPolicy;
  private readonly concurrency: number;
  /** Resolved middleware handlers of the read commands (GetItem, BatchGetItem, Query), by command class (see `read`). */
  private readonly readHandlers = new Map<unknown, ReadHandler>();

  constructor(options: DynamoDbStoreOptions) {
    this.tableName = options.tableName;
    this.client = options.client ?? defaultClient();
    this.policy = retryPolicy(options);
    this.concurrency = Math.max(1, options.concurrency ?? 4);
  }

  // get, batchGet and query, the hot reads (every API read, every call turn), send the service's own commands through the
  // document client and convert the typed items here (`fromAttributes`): the document client's commands resolve the
  // middleware stack twice per request (theirs, then the wrapped command's) and walk every response through generic
  // key-node traversal and `Object.entries` pairs, which was ~15 % of what a 7-day report allocated. Writes keep
  // the document client, whose marshalling of arbitrary values (sets, nested maps, undefined) they need.
  async get(key: ItemKey): Promise<Item | undefined> {
    const out = await this.call('GetItem', () =>
      this.read(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: key.pk }, sk: { S: key.sk } }, ConsistentRead: true })),
    );
    const item = (out as { Item?: Record<string, AttributeValue> }).Item;
    return item ? (fromAttributes(item) as Item) : undefined;
  }

  async batchGet(keys: ItemKey[]): Promise<Item[]> {
    // BatchGetItem refuses duplicate keys in one request.
    const unique = [...new Map(keys.map((k) => [itemKeyId(k), { pk: { S: k.pk }, sk: { S: k.sk } }])).values()];
    const found: Item[] = [];
    await this.inChunks(unique, BATCH_GET_SIZE, 'BatchGetItem', async (pending) => {
      const out = (await this.read(new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }))) as {
        Responses?: Record<string, Record<string, AttributeValue>[]>;
        UnprocessedKeys?: Record<string, { Keys?: Record<string, AttributeValue>[] }>;
      };
      for (const item of out.Responses?.[this.tableName] ?? []) found.push(fromAttributes(item) as Item);
      return (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof pending;
    });
    return found;
  }

  async put(item: Item, condition?: Condition): Promise<WriteResult> {
    const expr = new ExpressionBuilder();
    const conditionExpression = condition ? expr.condition(condition) : undefined;
    return this.conditional('PutItem', async () => {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: conditionExpression, ...expr.attributes() }),
      );
      return { ok: true, item: withoutUndefined(item) };
    });
  }

  async update(key: ItemKey, changes: Changes, condition?: Condition): Promise<WriteResult> {
    const expr = new ExpressionBuilder();
    const updateExpression = expr.update(changes);
    const conditionExpression = condition ? expr.condition(condition) : undefined;
    return this.conditional('UpdateItem', async () => {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: key.pk, sk: key.sk },
          UpdateExpression: updateExpression,
          ConditionExpression: conditionExpression,
          ReturnValues: 'ALL_NEW',
          ...expr.attributes(),
        }),
      );
      return { ok: true, item: (out.Attributes ?? { pk: key.pk, sk: key.sk }) as Item };
    });
  }

  async delete(key: ItemKey, condition?: Condition): Promise<WriteResult> {
    const expr = new ExpressionBuilder();
    const conditionExpression = condition ? expr.condition(condition) : undefined;
    return this.conditional('DeleteItem', async () => {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: key.pk, sk: key.sk },
          ConditionExpression: conditionExpression,
          ...expr.attributes(),
        }),
      );
      return { ok: true };
    });
  }

  async query(query: Query): Promise<Page> {
    const input = typedQueryInput(queryInput(this.tableName, query));
    const out = (await this.call('Query', () => this.read(new QueryItemsCommand(input)))) as {
      Items?: Record<string, AttributeValue>[];
      LastEvaluatedKey?: Record<string, AttributeValue>;
    };
    const items = (out.Items ?? []).map((i) => fromAttributes(i) as Item);
    return {
      items,
      ...(out.LastEvaluatedKey ? { cursor: encodeCursor(fromAttributes(out.LastEvaluatedKey)) } : {}),
    };
  }

  async batchPut(items: Item[]): Promise<void> {
    // BatchWriteItem refuses two requests for one key; the last write wins, as with sequential puts.
    const unique = [...new Map(items.map((i) => [itemKeyId(i), i])).values()];
    await this.batchWrite(unique.map((Item) => ({ PutRequest: { Item } })));
  }

  async batchDelete(keys: ItemKey[]): Promise<void> {
    const unique = [...new Map(keys.map((k) => [itemKeyId(k), { pk: k.pk, sk: k.sk }])).values()];
    await this.batchWrite(unique.map((Key) => ({ DeleteRequest: { Key } })));
  }

  private async batchWrite(requests: WriteRequest[]): Promise<void> {
    await this.inChunks(requests, BATCH_WRITE_SIZE, 'BatchWriteItem', async (pending) => {
      const out = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
      return (out.UnprocessedItems?.[this.tableName] ?? []) as WriteRequest[];
    });
  }

  /**
   * Runs a batch operation chunk by chunk (a few chunks at a time), retrying each chunk's unprocessed
   * entries and transient errors with backoff. When a chunk runs out of attempts no new chunk starts,
   * and the AdapterError says how many entries were left undone (also in `context.unprocessed`).
   */
  private async inChunks<T>(entries: T[], size: number, operation: string, send: (pending: T[]) => Promise<T[]>): Promise<void> {
    const chunks: T[][] = [];
    for (let i = 0; i < entries.length; i += size) chunks.push(entries.slice(i, i + size));
    let next = 0;
    let left = 0;
    let lastError: unknown;
    let failed = false;
    const worker = async () => {
      while (!failed && next < chunks.length) {
        const chunk = chunks[next++]!;
        const rest = await retryPending(
          chunk,
          async (pending) => {
            try {
              return await send(pending);
            } catch (error) {
              if (!isTransient(error)) throw new AdapterError(SERVICE, operation, describeError(error), error);
              lastError = error;
              return pending;
            }
          },
          this.policy,
        ).catch((error: unknown) => {
          failed = true;
          throw error;
        });
        if (rest.length > 0) {
          failed = true;
          left += rest.length;
        }
      }
    };
    const results = await Promise.allSettled(Array.from({ length: Math.min(this.concurrency, chunks.length) }, worker));
    const thrown = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (thrown) throw thrown.reason;
    if (failed) {
      for (let i = next; i < chunks.length; i++) left += chunks[i]!.length;
      const why = lastError ? ` (last error: ${describeError(lastError)})` : '';
      const error = new AdapterError(
        SERVICE,
        operation,
        `${left} of ${entries.length} entries left unprocessed after ${this.policy.maxAttempts} attempts${why}`,
        lastError,
      );
      error.context.unprocessed = left;
      throw error;
    }
  }

  private async conditional(operation: string, write: () => Promise<WriteResult>): Promise<WriteResult> {
    try {
      return await write();
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') return { ok: false, reason: 'condition-failed' };
      throw new AdapterError(SERVICE, operation, describeError(error), error);
    }
  }

  /**
   * Sends a read command. With a client from createDocumentClient, the middleware stack is resolved once per command
   * class and the handler kept, as the SDK's own `cacheMiddleware` option does (which the document client refuses,
   * because its commands wrap a new service command per request): resolving it cloned and sorted the ~20 middleware
   * of the stack on every request, about a fifth of a small read's CPU and ~90 KB of garbage each.
   */
  private read(command: ReadCommand): Promise<unknown> {
    if (!complete.has(this.client)) return this.client.send(command as never);
    let handler = this.readHandlers.get(command.constructor);
    if (!handler) {
      handler = command.resolveMiddleware(this.client.middlewareStack as never, this.client.config as never, undefined) as unknown as ReadHandler;
      this.readHandlers.set(command.constructor, handler);
    }
    return handler(command).then((result) => result.output);
  }

  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof ReachoutError) throw error;
      throw new AdapterError(SERVICE, operation, describeError(error), error);
    }
  }
}

/** The QueryCommand input for a port query (exported for tests of the mapping). */
export function queryInput(tableName: string, query: Query): QueryCommandInput {
  const index = query.index;
  if (index !== undefined && !(INDEX_NAMES as readonly string[]).includes(index)) {
    throw new ValidationError(`unknown index ${index}`, [{ path: 'index', message: `one of ${INDEX_NAMES.join(', ')}` }]);
  }
  const pkName = index ? `${index}pk` : 'pk';
  const skName = index ? `${index}sk` : 'sk';
  const expr = new ExpressionBuilder();
  let keyCondition = `${expr.name(pkName)} = ${expr.value(query.pk)}`;
  const sortCondition = sortKeyCondition(expr, skName, query);
  if (sortCondition) keyCondition += ` AND ${sortCondition}`;
  return {
    TableName: tableName,
    ...(index ? { IndexName: index } : {}),
    KeyConditionExpression: keyCondition,
    ...expr.attributes(),
    ScanIndexForward: !query.reverse,
    ...(query.limit !== undefined ? { Limit: Math.max(1, Math.floor(query.limit)) } : {}),
    ...(query.cursor ? { ExclusiveStartKey: decodeCursor(query.cursor) } : {}),
    ...(query.consistent && !index ? { ConsistentRead: true } : {}),
  };
}

/**
 * The service-level form of a query input: its values are key values (strings, or numbers of a numeric key), so
 * they map to `S` / `N` directly; anything else cannot be a key and is refused (a forged cursor, say).
 */
function typedQueryInput(input: QueryCommandInput): ConstructorParameters<typeof QueryItemsCommand>[0] {
  const { ExpressionAttributeValues: values, ExclusiveStartKey: start, ...rest } = input;
  const typed = (record: Record<string, unknown>) => {
    const out: Record<string, AttributeValue> = {};
    for (const k in record) out[k] = keyValue(k, record[k]);
    return out;
  };
  return { ...rest, ...(values ? { ExpressionAttributeValues: typed(values) } : {}), ...(start ? { ExclusiveStartKey: typed(start) } : {}) };
}

function keyValue(name: string, v: unknown): AttributeValue {
  if (typeof v === 'string') return { S: v };
  if (typeof v === 'number' && Number.isFinite(v)) return { N: String(v) };
  throw new ValidationError(`query value ${name} is not a key value`, [{ path: name, message: 'a string or a finite number' }]);
}

/**
 * A typed item (or key) as plain values, exactly as the document client unmarshalls it (`@aws-sdk/util-dynamodb`'s
 * `convertToNative` without `wrapNumbers`): numbers as numbers (BigInt beyond the safe integers), sets as `Set`s,
 * binary as the SDK's bytes, `NULL` as null. Why not `unmarshall` itself: on the ~80 items of a 7-day report it takes
 * 2.1 ms against 0.56 ms here (80 items of 100 numbers, lead's measurement), a third of such a read's median.
 */
export function fromAttributes(attributes: Record<string, AttributeValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in attributes) out[k] = fromAttribute(attributes[k]!);
  return out;
}

function fromAttribute(v: AttributeValue): unknown {
  const typed = v as unknown as Record<string, unknown>;
  // The service sends exactly one member; numbers and strings, most of what is read, are looked up directly.
  if (typed.N !== undefined) return fromNumber(typed.N as string);
  if (typed.S !== undefined) return typed.S;
  // Otherwise like convertToNative: the first member that is set decides.
  for (const type in typed) {
    const value = typed[type];
    if (value === undefined) continue;
    switch (type) {
      case 'B':
        return value;
      case 'M':
        return fromAttributes(value as Record<string, AttributeValue>);
      case 'L':
        return (value as AttributeValue[]).map(fromAttribute);
      case 'BOOL':
        return Boolean(value);
      case 'NULL':
        return null;
      case 'SS':
      case 'BS':
        return new Set(value as unknown[]);
      case 'NS':
        return new Set((value as string[]).map(fromNumber));
      default:
        throw new AdapterError(SERVICE, 'Unmarshall', `unsupported attribute type ${type}`);
    }
  }
  throw new AdapterError(SERVICE, 'Unmarshall', `no value in attribute ${JSON.stringify(v)}`);
}

function fromNumber(s: string): number | bigint {
  const n = Number(s);
  if ((n > Number.MAX_SAFE_INTEGER || n < Number.MIN_SAFE_INTEGER) && Number.isFinite(n)) {
    try {
      return BigInt(s);
    } catch (error) {
      throw new AdapterError(SERVICE, 'Unmarshall', `${s} can't be converted to BigInt`, error);
    }
  }
  return n;
}

/**
 * DynamoDB takes one sort-key condition; range bounds (between, ge, le) are merged into one,
 * but a prefix cannot be combined with bounds exactly, so that combination is refused.
 */
function sortKeyCondition(expr: ExpressionBuilder, skName: string, query: Query): string | undefined {
  let lower = query.between?.[0];
  let upper = query.between?.[1];
  if (query.ge !== undefined) lower = lower === undefined || query.ge > lower ? query.ge : lower;
  if (query.le !== undefined) upper = upper === undefined || query.le < upper ? query.le : upper;
  // Named only when used: DynamoDB rejects unused placeholders.
  const sk = () => expr.name(skName);
  if (query.beginsWith !== undefined) {
    if (lower !== undefined || upper !== undefined) {
      throw new ValidationError('a query takes either beginsWith or bounds (between/ge/le), not both', [
        { path: 'beginsWith', message: 'cannot be combined with between/ge/le' },
      ]);
    }
    return `begins_with(${sk()}, ${expr.value(query.beginsWith)})`;
  }
  if (lower !== undefined && upper !== undefined) return `${sk()} BETWEEN ${expr.value(lower)} AND ${expr.value(upper)}`;
  if (lower !== undefined) return `${sk()} >= ${expr.value(lower)}`;
  if (upper !== undefined) return `${sk()} <= ${expr.value(upper)}`;
  return undefined;
}

/** Opaque cursor of a LastEvaluatedKey. */
export const encodeCursor = (lastEvaluatedKey: Record<string, unknown>): string =>
  Buffer.from(JSON.stringify(lastEvaluatedKey), 'utf8').toString('base64url');

function decodeCursor(cursor: string): Record<string, unknown> {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (key && typeof key === 'object' && !Array.isArray(key)) return key as Record<string, unknown>;
  } catch (error) {
    expectOnly(error, SyntaxError);
    // Falls through to the validation error below.
  }
  throw new ValidationError('invalid cursor', [{ path: 'cursor', message: 'not a cursor returned by a previous page' }]);
}

/**
 * Builds expressions with placeholders for every attribute name (#n0, #n1 …, one per distinct name)
 * and value (:v0, :v1 …), so no attribute name can clash with DynamoDB's reserved words.
 */
export class ExpressionBuilder {
  private readonly names = new Map<string, string>();
  private readonly values: Record<string, unknown> = {};
  private valueCount = 0;

  /** Placeholder of an attribute name. */
  name(attribute: string): string {
    let placeholder = this.names.get(attribute);
    if (!placeholder) {
      placeholder = `#n${this.names.size}`;
      this.names.set(attribute, placeholder);
    }
    return placeholder;
  }

  /** Placeholder of a value. */
  value(v: unknown): string {
    const placeholder = `:v${this.valueCount++}`;
    this.values[placeholder] = v;
    return placeholder;
  }

  /** ConditionExpression of a condition; undefined when it always holds. */
  condition(condition: Condition): string | undefined {
    // Constants are folded first: a placeholder left unused by the final expression is an error in DynamoDB.
    const simple = simplify(condition);
    if (simple === true) return undefined;
    if (simple === false) {
      // No literal false exists in the expression language.
      const pk = this.name('pk');
      return `attribute_exists(${pk}) AND attribute_not_exists(${pk})`;
    }
    return this.render(simple);
  }

  /** UpdateExpression of changes; undefined when there is nothing to change. */
  update(changes: Changes): string | undefined {
    const set: string[] = [];
    const add: string[] = [];
    const remove: string[] = [];
    const seen = new Set<string>();
    const claim = (attribute: string) => {
      // DynamoDB rejects an expression touching one attribute twice ("overlapping paths").
      if (seen.has(attribute)) throw new ValidationError(`attribute ${attribute} appears in more than one change`, [{ path: attribute, message: 'changed twice' }]);
      seen.add(attribute);
      return this.name(attribute);
    };
    for (const [attribute, v] of Object.entries(changes.set ?? {})) {
      if (v === undefined) remove.push(claim(attribute));
      else set.push(`${claim(attribute)} = ${this.value(v)}`);
    }
    for (const [attribute, v] of Object.entries(changes.setIfAbsent ?? {})) {
      if (v === undefined) continue;
      const n = claim(attribute);
      set.push(`${n} = if_not_exists(${n}, ${this.value(v)})`);
    }
    for (const [attribute, v] of Object.entries(changes.add ?? {})) add.push(`${claim(attribute)} ${this.value(v)}`);
    for (const attribute of changes.remove ?? []) remove.push(claim(attribute));
    for (const [attribute, members] of Object.entries(changes.addToSet ?? {})) {
      if (members.length) add.push(`${claim(attribute)} ${this.value(new Set(members))}`);
    }
    const del: string[] = [];
    for (const [attribute, members] of Object.entries(changes.deleteFromSet ?? {})) {
      if (members.length) del.push(`${claim(attribute)} ${this.value(new Set(members))}`);
    }
    const clauses = [
      set.length ? `SET ${set.join(', ')}` : '',
      add.length ? `ADD ${add.join(', ')}` : '',
      remove.length ? `REMOVE ${remove.join(', ')}` : '',
      del.length ? `DELETE ${del.join(', ')}` : '',
    ].filter(Boolean);
    return clauses.length ? clauses.join(' ') : undefined;
  }

  /** ExpressionAttributeNames / Values to spread into a command input (omitted when empty, as DynamoDB requires). */
  attributes(): { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> } {
    const names = Object.fromEntries([...this.names].map(([attribute, placeholder]) => [placeholder, attribute]));
    return {
      ...(this.names.size ? { ExpressionAttributeNames: names } : {}),
      ...(this.valueCount ? { ExpressionAttributeValues: { ...this.values } } : {}),
    };
  }

  private render(c: Condition): string {
    if ('exists' in c) return `attribute_exists(${this.name(c.exists)})`;
    if ('notExists' in c) return `attribute_not_exists(${this.name(c.notExists)})`;
    if ('eq' in c) return this.compare(c.eq[0], '=', c.eq[1]);
    if ('ne' in c) return this.compare(c.ne[0], '<>', c.ne[1]);
    if ('lt' in c) return this.compare(c.lt[0], '<', c.lt[1]);
    if ('le' in c) return this.compare(c.le[0], '<=', c.le[1]);
    if ('gt' in c) return this.compare(c.gt[0], '>', c.gt[1]);
    if ('ge' in c) return this.compare(c.ge[0], '>=', c.ge[1]);
    if ('in' in c) return `${this.name(c.in[0])} IN (${c.in[1].map((v) => this.value(v)).join(', ')})`;
    if ('contains' in c) return `contains(${this.name(c.contains[0])}, ${this.value(c.contains[1])})`;
    if ('and' in c) return c.and.map((p) => `(${this.render(p)})`).join(' AND ');
    if ('or' in c) return c.or.map((p) => `(${this.render(p)})`).join(' OR ');
    return `NOT (${this.render(c.not)})`;
  }

  private compare(attribute: string, op: string, v: unknown): string {
    return `${this.name(attribute)} ${op} ${this.value(v)}`;
  }
}

/**
 * Rewrites a condition into one DynamoDB can take: constants folded (empty and/or/in),
 * comparisons with undefined turned into existence tests (an undefined value cannot be sent;
 * "equals undefined" means "absent", as in the memory store), IN lists split by 100 operands and
 * their booleans, nulls and empty strings turned into equalities.
 */
function simplify(c: Condition): Condition | boolean {
  if ('eq' in c && c.eq[1] === undefined) return { notExists: c.eq[0] };
  if ('ne' in c && c.ne[1] === undefined) return { exists: c.ne[0] };
  if ('in' in c) {
    const [attribute, candidates] = c.in;
    if (candidates.length === 0) return false;
    if (candidates.some((v) => v === undefined)) {
      return simplify({ or: [{ notExists: attribute }, { in: [attribute, candidates.filter((v) => v !== undefined)] }] });
    }
    // IN is for non-empty strings and numbers here; booleans, nulls and empty strings are compared as
    // equalities, which every implementation agrees on (dynalite answers `false IN (false)` and
    // `"" IN ("")` with false).
    const plain = (v: unknown) => (typeof v === 'string' && v !== '') || typeof v === 'number';
    const other = candidates.filter((v) => !plain(v));
    if (other.length) {
      const scalars = candidates.filter(plain);
      return simplify({ or: [...other.map((v): Condition => ({ eq: [attribute, v] })), ...(scalars.length ? [{ in: [attribute, scalars] } as Condition] : [])] });
    }
    if (candidates.length > 100) return { or: chunk(candidates, 100).map((part): Condition => ({ in: [attribute, part] })) };
    return c;
  }
  if ('and' in c || 'or' in c) {
    const isAnd = 'and' in c;
    const parts: Condition[] = [];
    for (const part of isAnd ? c.and : c.or) {
      const s = simplify(part);
      if (s === isAnd) continue;
      if (s === !isAnd) return !isAnd;
      parts.push(s as Condition);
    }
    if (parts.length === 0) return isAnd;
    if (parts.length === 1) return parts[0]!;
    return isAnd ? { and: parts } : { or: parts };
  }
  if ('not' in c) {
    const inner = simplify(c.not);
    return typeof inner === 'boolean' ? !inner : { not: inner };
  }
  return c;
}


function withoutUndefined(item: Item): Item {
  const copy = { ...item };
  for (const [k, v] of Object.entries(copy)) if (v === undefined) delete copy[k];
  return copy;
}
