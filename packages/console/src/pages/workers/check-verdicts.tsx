/**
 * The enrolment check's answer (POST /enrolment-checks): every rule that ran with what it
 * measured and whether it passed, failures first, and the face-vs-card 1:1 when it ran.
 */
import { Alert, Space, Table, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import type { CheckResult, Verdict } from './types';

export function CheckVerdicts({ result }: { result: CheckResult }) {
  const { t } = useTranslation();
  const rows = [...result.verdicts].sort((a, b) => Number(a.ok) - Number(b.ok));
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="check-verdicts">
      <Alert
        type={result.ok ? 'success' : 'error'}
        showIcon
        title={
          result.ok ? t('workers.check.passed') : t('workers.check.failed', { n: result.refusals.length })
        }
        description={
          result.faceDetector === 'off'
            ? t('workers.check.detectorOff')
            : result.faceMatch.score !== null
              ? t('workers.check.faceMatch', {
                  score: result.faceMatch.score.toFixed(3),
                  threshold: result.faceMatch.threshold ?? '',
                  outcome: result.faceMatch.outcome,
                })
              : undefined
        }
      />
      <Table<Verdict>
        size="small"
        rowKey={(v) => `${v.field}:${v.code}`}
        pagination={false}
        scroll={{ x: true }}
        dataSource={rows}
        columns={[
          {
            title: t('workers.check.verdict'),
            dataIndex: 'ok',
            render: (ok: boolean) =>
              ok ? (
                <Tag color="green">{t('workers.check.pass')}</Tag>
              ) : (
                <Tag color="red">{t('workers.check.fail')}</Tag>
              ),
          },
          { title: t('workers.check.field'), dataIndex: 'field' },
          { title: t('workers.check.rule'), dataIndex: 'code' },
          { title: t('workers.check.measured'), dataIndex: 'value' },
          { title: t('workers.check.message'), dataIndex: 'message', responsive: ['md'] },
        ]}
      />
    </Space>
  );
}
