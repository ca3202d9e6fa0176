import { type ReactNode, useState } from 'react';
import type { ApiError } from '../api/errors.js';
import { Empty, ErrorBox, Spinner } from './States.js';

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  className?: string;
}

/** A resource table with its loading, error and empty states, a filter box and a per-row actions cell. */
export function DataTable<T>({
  label,
  rows,
  loading,
  error,
  columns,
  rowKey,
  empty,
  actions,
  filterText,
  toolbar,
}: {
  label: string;
  rows: T[] | undefined;
  loading?: boolean;
  error?: ApiError | null;
  columns: Column<T>[];
  rowKey: (row: T) => string;
  empty: ReactNode;
  actions?: (row: T) => ReactNode;
  /** The text the filter box matches; no filter box without it. */
  filterText?: (row: T) => string;
  toolbar?: ReactNode;
}) {
  const [filter, setFilter] = useState('');
  const shown =
    rows && filterText && filter
      ? rows.filter((r) => filterText(r).toLowerCase().includes(filter.toLowerCase()))
      : rows;
  return (
    <section className="table-block" aria-label={label}>
      <div className="toolbar">
        {filterText ? (
          <input
            type="search"
            className="filter"
            placeholder="Filter"
            aria-label={`Filter ${label}`}
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
          />
        ) : (
          <span />
        )}
        <div className="toolbar-actions">{toolbar}</div>
      </div>
      {error ? <ErrorBox error={error} /> : null}
      {loading && !rows ? (
        <Spinner />
      ) : shown && shown.length > 0 ? (
        <table className="data">
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c.header} scope="col" className={c.className}>
                  {c.header}
                </th>
              ))}
              {actions ? (
                <th scope="col" className="actions">
                  Actions
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={rowKey(r)}>
                {columns.map((c) => (
                  <td key={c.header} className={c.className}>
                    {c.cell(r)}
                  </td>
                ))}
                {actions ? <td className="actions">{actions(r)}</td> : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : rows ? (
        <Empty>{filter && rows.length > 0 ? 'Nothing matches the filter.' : empty}</Empty>
      ) : null}
      {shown && shown.length > 0 ? (
        <p className="muted small">
          Displaying {shown.length} item{shown.length === 1 ? '' : 's'}
        </p>
      ) : null}
    </section>
  );
}
