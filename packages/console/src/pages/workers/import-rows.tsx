/**
 * An import's per-row report (GET /imports/{id}/rows, cursor pages, filter by outcome):
 * each row's outcome, the person it made or matched, what changed, and every problem
 * with the cell (column and row) it is about, in the console's language.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Radio, Table, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, type Page } from '../../api/client';
import { CursorPager, useCursor } from '../../components/cursor-pager';
import { EmptyState, LoadError } from '../../components/page-state';
import type { ImportNote, ImportRow } from './types';

const STATUS_COLOR: Record<ImportRow['status'], string> = {
  created: 'green',
  updated: 'blue',
  unchanged: 'default',
  failed: 'red',
};

/** A note is named by what it says and where: the same twice is the same note. */
export const noteKey = (n: ImportNote) => [n.code, n.cell, n.field, n.entry, n.message.en].join('|');

export function NoteText({ note }: { note: ImportNote }) {
  const { i18n } = useTranslation();
  const where = note.cell ?? note.entry ?? note.field;
  return (
    <div>
      {where && <Tag>{where}</Tag>}
      {i18n.language === 'en' ? note.message.en : note.message.zh}
    </div>
  );
}

export function ImportRows({ importId, version }: { importId: string; version: number }) {
  const { t } = useTranslation();
  const [status, setStatus] = useState<string>('');
  const cursor = useCursor([importId, status]);
  const q = useQuery({
    queryKey: ['imports', importId, 'rows', status, cursor.cursor, version],
    placeholderData: keepPreviousData,
    queryFn: ({ signal }) =>
      api<Page<ImportRow>>('GET', `/imports/${importId}/rows`, {
        query: { status, cursor: cursor.cursor, limit: 100 },
        signal,
      }),
  });
  return (
    <>
      <Radio.Group
        value={status}
        style={{ marginBottom: 12 }}
        onChange={(e) => setStatus(String(e.target.value))}
        options={[
          { value: '', label: t('workers.import.all') },
          ...(['created', 'updated', 'unchanged', 'failed'] as const).map((s) => ({
            value: s,
            label: t(`workers.import.outcomes.${s}`),
          })),
        ]}
        optionType="button"
      />
      {q.error ? (
        <LoadError error={q.error} onRetry={() => void q.refetch()} />
      ) : (
        <Table<ImportRow>
          size="small"
          rowKey="row"
          loading={q.isFetching}
          pagination={false}
          scroll={{ x: true }}
          dataSource={q.data?.items ?? []}
          locale={{ emptyText: <EmptyState /> }}
          data-testid="import-rows"
          columns={[
            { title: t('workers.import.row'), dataIndex: 'row', width: 70 },
            {
              title: t('workers.import.outcome'),
              dataIndex: 'status',
              render: (s: ImportRow['status']) => (
                <Tag color={STATUS_COLOR[s]}>{t(`workers.import.outcomes.${s}`)}</Tag>
              ),
            },
            {
              title: t('workers.personId'),
              dataIndex: 'personId',
              responsive: ['md'],
              render: (id: string | null) => (id ? <Link to={`/workers/${id}`}>{id}</Link> : ''),
            },
            {
              title: t('workers.import.changes'),
              dataIndex: 'changes',
              responsive: ['md'],
              render: (c: string[]) => c.join(', '),
            },
            {
              title: t('workers.import.problems'),
              dataIndex: 'problems',
              render: (ps: ImportNote[]) => ps.map((n) => <NoteText key={noteKey(n)} note={n} />),
            },
          ]}
        />
      )}
      <CursorPager cursor={cursor} nextCursor={q.data?.nextCursor} />
    </>
  );
}
