/**
 * One step of a store's schema, in that store's SQL. Each store keeps its ordered list
 * (sqlite/migrations.ts, postgres/migrations.ts), migration for migration the same.
 */
export interface Migration {
  readonly name: string;
  readonly sql: string;
}
