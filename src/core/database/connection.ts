import path from 'node:path';
import sqlite3 from 'sqlite3';
import { ScopedStorage } from '../async-scope.js';
import { DatabaseError, errorMessage } from '../errors.js';
import { getLogger } from '../log/logger.js';
import { type RetryPolicy, withRetries } from '../retry.js';
import { applyMigrations } from './migrations.js';

/** A value SQLite stores as is. Booleans, arrays and objects are converted by the operations that use them. */
export type SqlValue = string | number | bigint | Buffer | null;
/** Positional (`?`) or named (`$name`) statement parameters. */
export type SqlParameters = readonly SqlValue[] | Readonly<Record<`$${string}`, SqlValue>>;

export interface RunResult {
  /** Rows inserted, updated or deleted by the statement. */
  changes: number;
  /** Row id of the last inserted row. */
  lastId: number;
}

export interface OpenOptions {
  /** Apply pending migrations while opening (default true). */
  migrate?: boolean;
  /** Where the migration files are; defaults to `migrations/` of the package. */
  migrationsDirectory?: string;
}

/**
 * How long a statement waits for another process's write to finish before failing with SQLITE_BUSY. Writes are
 * short (one batch of log lines, one package), so this only trips when something is really stuck.
 */
const BUSY_TIMEOUT_MS = 10_000;
/**
 * Processes that open the same new database at once race to switch it to WAL (an exclusive lock SQLite takes without
 * calling the busy handler) and to migrate it: the loser can get SQLITE_BUSY at once. It tries again, for about as
 * long as the busy timeout would have waited; the migration is one transaction, so a retry starts clean.
 */
const OPEN_RETRIES: RetryPolicy = { maxRetries: 8, backoffSeconds: 0.05 };

function isBusy(error: unknown): boolean {
  return error instanceof DatabaseError && (error.cause as { code?: unknown } | undefined)?.code === 'SQLITE_BUSY';
}

/** Marks code running inside a transaction of one connection; `active` turns false once it ends. */
interface TransactionScope {
  database: Database;
  active: boolean;
}

const transactionScope = new ScopedStorage<TransactionScope>();
const logger = getLogger('database');

/**
 * The process's connection to the state database.
 *
 * Statements from concurrent async flows share the one connection, so a transaction must not see statements that
 * are not part of it: statements and transactions take turns, and code running inside `transaction(fn)` (tracked
 * through async context) goes straight to the connection and joins the transaction.
 */
export class Database {
  /** One connection per database file and process, shared by everyone who opens it. */
  private static readonly connections = new Map<string, Promise<Database>>();

  private users = 1;
  /** Tail of the queue of statements and transactions waiting for their turn. */
  private turn: Promise<void> = Promise.resolve();
  private readonly observers = new Set<(sql: string) => void>();

  private constructor(
    private readonly connection: sqlite3.Database,
    readonly path: string,
  ) {}

  /**
   * Opens the database (creating the file when missing) or returns this process's connection to it. Every `open`
   * must be matched by one `close`; the connection closes with the last.
   */
  static async open(databasePath: string, options: OpenOptions = {}): Promise<Database> {
    const key = path.resolve(databasePath);
    const existing = Database.connections.get(key);
    const pending = existing
      ? existing.then((database) => {
          database.users += 1;
          return database;
        })
      : Database.connect(key);
    if (!existing) {
      Database.connections.set(key, pending);
      pending.catch(() => Database.connections.delete(key));
    }
    const database = await pending;
    if (options.migrate ?? true) {
      try {
        await withRetries(OPEN_RETRIES, { what: `migrating ${key}`, retryable: isBusy }, () => applyMigrations(database, options.migrationsDirectory));
      } catch (error) {
        await database.close();
        throw error;
      }
    }
    return database;
  }

  private static async connect(databasePath: string): Promise<Database> {
    const connection = await new Promise<sqlite3.Database>((resolve, reject) => {
      const opened: sqlite3.Database = new sqlite3.Database(
        databasePath,
        sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE,
        (error) => {
          if (error) reject(new DatabaseError(`cannot open database ${databasePath}: ${error.message}`));
          else resolve(opened);
        },
      );
    });
    const database = new Database(connection, databasePath);
    try {
      // The busy timeout comes first: switching to WAL itself needs a lock another process may hold.
      await database.exec('configure the connection', `PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      const mode = await withRetries(OPEN_RETRIES, { what: `database ${databasePath}`, retryable: isBusy }, () =>
        database.get<{ journal_mode: string }>('enable write-ahead logging', 'PRAGMA journal_mode = WAL'),
      );
      if (mode?.journal_mode !== 'wal') {
        logger.warning(
          `database ${databasePath} stays in ${mode?.journal_mode} journal mode: readers may wait for writers`,
        );
      }
      await database.exec('configure the connection', 'PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON');
    } catch (error) {
      await new Promise<void>((resolve) => connection.close(() => resolve()));
      throw error;
    }
    return database;
  }

  /** Runs a statement that returns no rows. `purpose` names it in errors: "cannot <purpose>: <reason>". */
  run(purpose: string, sql: string, parameters: SqlParameters = []): Promise<RunResult> {
    return this.statement(purpose, sql, (done) => {
      this.connection.run(sql, parameters, function (this: sqlite3.RunResult, error: Error | null) {
        done(error, { changes: this?.changes ?? 0, lastId: this?.lastID ?? 0 });
      });
    });
  }

  /** The first row of a query, or undefined when there is none. */
  get<Row>(purpose: string, sql: string, parameters: SqlParameters = []): Promise<Row | undefined> {
    return this.statement(purpose, sql, (done) => {
      this.connection.get<Row>(sql, parameters, (error, row) => done(error, row));
    });
  }

  all<Row>(purpose: string, sql: string, parameters: SqlParameters = []): Promise<Row[]> {
    return this.statement(purpose, sql, (done) => {
      this.connection.all<Row>(sql, parameters, (error, rows) => done(error, rows));
    });
  }

  /** Runs several `;`-separated statements without parameters (schema scripts). */
  exec(purpose: string, sql: string): Promise<void> {
    return this.statement(purpose, sql, (done) => {
      this.connection.exec(sql, (error) => done(error, undefined));
    });
  }

  /**
   * Runs `fn` inside one write transaction: committed when it resolves, rolled back when it throws. A transaction
   * started inside `fn` joins this one. `BEGIN IMMEDIATE` takes the write lock up front, so two processes queue on
   * the busy timeout instead of failing on a read lock that cannot be upgraded.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inTransaction()) return fn();
    return this.takeTurn(async () => {
      const scope: TransactionScope = { database: this, active: true };
      return transactionScope.run(scope, async () => {
        try {
          await this.exec('begin a transaction', 'BEGIN IMMEDIATE');
          const result = await fn();
          await this.exec('commit a transaction', 'COMMIT');
          return result;
        } catch (error) {
          await this.exec('roll back a transaction', 'ROLLBACK').catch((rollbackError: unknown) => {
            // SQLite has already rolled back after some errors (e.g. a full disk); the original error matters.
            logger.debug(errorMessage(rollbackError));
          });
          throw error;
        } finally {
          scope.active = false;
        }
      });
    });
  }

  /**
   * Calls `listener` with the SQL of every call (a script given to `exec` counts once) at the moment it is sent, so
   * a count is complete as soon as the call it counts has returned (diagnostics and tests). Returns the unsubscriber.
   */
  observeStatements(listener: (sql: string) => void): () => void {
    this.observers.add(listener);
    return () => {
      this.observers.delete(listener);
    };
  }

  /** Gives up this user's share of the connection; the last one closes it after pending statements finish. */
  async close(): Promise<void> {
    if (this.users === 0) return;
    this.users -= 1;
    if (this.users > 0) return;
    Database.connections.delete(this.path);
    await this.turn;
    await new Promise<void>((resolve, reject) => {
      this.connection.close((error) =>
        error ? reject(new DatabaseError(`cannot close database ${this.path}: ${error.message}`)) : resolve(),
      );
    });
  }

  /** Whether the caller runs inside a transaction of this connection (its statements join it). */
  inTransaction(): boolean {
    const scope = transactionScope.getStore();
    return scope !== undefined && scope.database === this && scope.active;
  }

  private statement<T>(purpose: string, sql: string, execute: (done: (error: Error | null, result: T) => void) => void): Promise<T> {
    const send = () =>
      new Promise<T>((resolve, reject) => {
        for (const observer of this.observers) observer(sql);
        execute((error, result) =>
          error ? reject(new DatabaseError(`cannot ${purpose}: ${error.message}`, { cause: error })) : resolve(result),
        );
      });
    return this.inTransaction() ? send() : this.takeTurn(send);
  }

  private takeTurn<T>(work: () => Promise<T>): Promise<T> {
    const result = this.turn.then(work);
    this.turn = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
