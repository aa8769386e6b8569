/**
 * Editing a worker's identity (PATCH /persons/{id} with If-Match: the etag of the read the
 * page shows). The page has the identity masked only; "load the current details" reads it
 * (GET …/identity, audited like every reveal) into the form. The PATCH carries only what
 * changed (person-patch.ts). A 412 says someone else saved first (stale-alert.tsx); the
 * API's field errors show at their field, the rest above the form.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Checkbox,
  Col,
  DatePicker,
  Form,
  Input,
  Modal,
  Row,
  Select,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiProblem, api, type ProblemField } from '../../api/client';
import { CARD_VALUES } from '../../i18n/parts/workers';
import { splitErrors } from './field-errors';
import {
  type EditValues,
  formValuesOf,
  type Known,
  knownOf,
  type PersonPatch,
  patchOf,
} from './person-patch';
import { isStale, StaleAlert } from './stale-alert';
import type { Identity, PersonDetail } from './types';

export function EditPerson({ person, onClose }: { person: PersonDetail; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<EditValues>();
  const [known, setKnown] = useState<Known>({ name: person.name });
  const [stale, setStale] = useState(false);
  const [problem, setProblem] = useState<{ title: string; rest: ProblemField[] }>();
  const longTerm = Form.useWatch('longTerm', form);

  const load = useMutation({
    mutationFn: () => api<Identity>('GET', `/persons/${person.personId}/identity`),
    onSuccess: (id) => {
      setKnown(knownOf(id));
      form.setFieldsValue(formValuesOf(id));
    },
  });

  const save = useMutation({
    mutationFn: (patch: PersonPatch) =>
      api<PersonDetail>('PATCH', `/persons/${person.personId}`, {
        body: patch,
        headers: { 'If-Match': person.etag },
      }),
    onMutate: () => {
      setProblem(undefined);
      setStale(false);
    },
    onSuccess: (p) => {
      qc.setQueryData(['persons', p.personId], p);
      void qc.invalidateQueries({ queryKey: ['persons'] });
      void message.success(t('workerEdit.saved'));
      onClose();
    },
    onError: (err) => {
      if (isStale(err)) {
        setStale(true);
        return;
      }
      if (!(err instanceof ApiProblem)) {
        setProblem({ title: String((err as Error)?.message ?? err), rest: [] });
        return;
      }
      const { byField, rest } = splitErrors(err.errors);
      form.setFields([...byField].map(([name, errors]) => ({ name: name as keyof EditValues, errors })));
      setProblem({ title: err.detail ? `${err.title}: ${err.detail}` : err.title, rest });
    },
  });

  const submit = (v: EditValues) => {
    const patch = patchOf(v, known);
    if (Object.keys(patch).length === 0) {
      void message.info(t('workerEdit.nothingChanged'));
      return;
    }
    save.mutate(patch);
  };

  const half = { xs: 24, md: 12 };
  return (
    <Modal
      open
      width={720}
      title={t('workerEdit.editTitle')}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={save.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
    >
      <Form<EditValues>
        form={form}
        layout="vertical"
        initialValues={{ name: person.name ?? undefined }}
        onFinish={submit}
        data-testid="edit-person-form"
      >
        {stale && <StaleAlert personId={person.personId} onReloaded={() => setStale(false)} />}
        {problem && (
          <Alert
            type="error"
            showIcon
            style={{ marginBottom: 16 }}
            title={problem.title}
            description={
              problem.rest.length > 0
                ? problem.rest.map((e) => `${e.path}: ${e.message}`).join('; ')
                : undefined
            }
          />
        )}
        <div style={{ marginBottom: 16 }}>
          {load.data ? (
            <Typography.Text type="success">{t('workerEdit.loaded')}</Typography.Text>
          ) : (
            <>
              <Button onClick={() => load.mutate()} loading={load.isPending} data-testid="load-identity">
                {t('workerEdit.loadCurrent')}
              </Button>
              <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>
                {t('workerEdit.loadHelp')}
              </Typography.Paragraph>
            </>
          )}
          {load.error && (
            <Typography.Paragraph type="danger" style={{ marginTop: 8, marginBottom: 0 }}>
              {load.error instanceof ApiProblem
                ? (load.error.detail ?? load.error.title)
                : String(load.error)}
            </Typography.Paragraph>
          )}
        </div>
        <Row gutter={16}>
          <Col {...half}>
            <Form.Item name="name" label={t('workers.name')} rules={[{ required: true, whitespace: true }]}>
              <Input maxLength={64} autoComplete="off" />
            </Form.Item>
          </Col>
          <Col {...half}>
            <Form.Item
              name="idNumber"
              label={t('workers.idNumber')}
              rules={[{ pattern: /^[0-9]{17}[0-9Xx]$/, message: t('workers.idNumberFormat') }]}
            >
              <Input maxLength={18} autoComplete="off" placeholder={person.idNumber ?? undefined} />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Form.Item name="gender" label={t('workers.gender')}>
              <Select
                allowClear
                options={[
                  { value: CARD_VALUES.male, label: t('workers.male') },
                  { value: CARD_VALUES.female, label: t('workers.female') },
                ]}
              />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Form.Item name="ethnicity" label={t('workers.ethnicity')}>
              <Input maxLength={32} />
            </Form.Item>
          </Col>
          <Col {...half}>
            <Form.Item name="phone" label={t('workers.phone')}>
              <Input maxLength={20} inputMode="tel" placeholder={person.phone ?? undefined} />
            </Form.Item>
          </Col>
          <Col xs={24}>
            <Form.Item name="address" label={t('workers.address')}>
              <Input.TextArea maxLength={200} autoSize />
            </Form.Item>
          </Col>
          <Col xs={24}>
            <Form.Item name="issuingAuthority" label={t('workers.issuingAuthority')}>
              <Input maxLength={100} />
            </Form.Item>
          </Col>
          <Col xs={12} md={8}>
            <Form.Item name="validFrom" label={t('workers.validFrom')}>
              <DatePicker style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col xs={12} md={8}>
            <Form.Item name="validTo" label={t('workers.validTo')}>
              <DatePicker style={{ width: '100%' }} disabled={longTerm === true} />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item name="longTerm" valuePropName="checked" label=" ">
              <Checkbox>{t('workers.longTerm')}</Checkbox>
            </Form.Item>
          </Col>
        </Row>
      </Form>
    </Modal>
  );
}
