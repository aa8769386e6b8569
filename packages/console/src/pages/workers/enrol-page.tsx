/**
 * Enrolling a worker (POST /persons, with a first site assignment): every ID-card field
 * the API takes, the card's portrait and front/back images, the face photos. "Run checks"
 * (and saving, first) calls POST /enrolment-checks and lists each rule's verdict with what
 * it measured; only a capture without refusals is saved. API validation errors show at
 * their field (errors[].path); a 409 says which person holds the ID number already.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Card,
  Checkbox,
  Col,
  DatePicker,
  Form,
  Input,
  Row,
  Select,
  Space,
  Typography,
  type UploadFile,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { accessOf } from '../../access';
import { ApiProblem, api, type ProblemField } from '../../api/client';
import { useSession } from '../../api/session';
import { useSites } from '../../api/sites';
import { CARD_VALUES } from '../../i18n/parts/workers';
import { CheckVerdicts } from './check-verdicts';
import { splitErrors } from './field-errors';
import { PhotoField } from './photo-field';
import { toBase64 } from './photo-upload';
import type { CheckResult, PersonDetail } from './types';

const FACES_MAX = 5;

interface Values {
  name: string;
  idNumber: string;
  gender?: string;
  ethnicity?: string;
  address?: string;
  issuingAuthority?: string;
  validFrom?: Dayjs;
  validTo?: Dayjs;
  longTerm?: boolean;
  phone?: string;
  photos?: UploadFile[];
  idCardPhoto?: UploadFile[];
  idCardFront?: UploadFile[];
  idCardBack?: UploadFile[];
  siteId?: string;
  company?: string;
  team?: string;
  trade?: string;
  joinedOn?: Dayjs;
}

const day = (d: Dayjs | undefined) => d?.format('YYYY-MM-DD');
const text = (s: string | undefined) => (s?.trim() ? s.trim() : undefined);

/** The card fields and images as both endpoints take them (undefined members dropped by JSON). */
async function cardBody(v: Values) {
  const [photos, idCardPhoto, idCardFront, idCardBack] = await Promise.all([
    toBase64(v.photos),
    toBase64(v.idCardPhoto),
    toBase64(v.idCardFront),
    toBase64(v.idCardBack),
  ]);
  return {
    idNumber: text(v.idNumber)?.toUpperCase(),
    gender: v.gender,
    ethnicity: text(v.ethnicity),
    validFrom: day(v.validFrom),
    validTo: v.longTerm ? CARD_VALUES.longTerm : day(v.validTo),
    photos,
    idCardPhoto: idCardPhoto[0],
    idCardFront: idCardFront[0],
    idCardBack: idCardBack[0],
  };
}

/** The birth date the ID number carries (digits 7–14), for the form to show. */
function birthDateOf(id: string | undefined): string {
  const m = /^[0-9]{6}([0-9]{4})([0-9]{2})([0-9]{2})/.exec(id ?? '');
  return m ? `${m[1]}-${m[2]}-${m[3]}` : '—';
}

export function EnrolPage() {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const navigate = useNavigate();
  const client = useQueryClient();
  const session = useSession();
  const canWrite = session ? accessOf(session.account.role).changeSiteData : false;
  const siteRequired = session?.account.role === 'site_manager';
  const { sites } = useSites();
  const [check, setCheck] = useState<CheckResult>();
  const [problem, setProblem] = useState<{ title: string; rest: ProblemField[] }>();
  const longTerm = Form.useWatch('longTerm', form);
  const idNumber = Form.useWatch('idNumber', form);

  const showProblem = (e: unknown) => {
    if (!(e instanceof ApiProblem)) {
      setProblem({ title: String((e as Error)?.message ?? e), rest: [] });
      return;
    }
    const { byField, rest } = splitErrors(e.errors);
    form.setFields([...byField].map(([name, errors]) => ({ name: name as keyof Values, errors })));
    setProblem({ title: e.detail ? `${e.title}: ${e.detail}` : e.title, rest });
  };

  const runCheck = async (v: Values): Promise<CheckResult> => {
    const body = await cardBody(v);
    const r = await api<CheckResult>('POST', '/enrolment-checks', { body });
    setCheck(r);
    const { byField } = splitErrors(r.refusals.map((x) => ({ path: x.path, message: x.message })));
    form.setFields([...byField].map(([name, errors]) => ({ name: name as keyof Values, errors })));
    return r;
  };

  const checkOnly = useMutation({
    mutationFn: async () => runCheck(await form.validateFields()),
    onMutate: () => setProblem(undefined),
    onError: (e) => {
      if (e instanceof ApiProblem || e instanceof Error) showProblem(e);
    },
  });

  const save = useMutation({
    mutationFn: async (v: Values) => {
      const r = await runCheck(v);
      if (!r.ok) return undefined;
      const card = await cardBody(v);
      return api<PersonDetail>('POST', '/persons', {
        body: {
          ...card,
          name: v.name.trim(),
          address: text(v.address),
          issuingAuthority: text(v.issuingAuthority),
          phone: text(v.phone),
          assignments: v.siteId
            ? [
                {
                  siteId: v.siteId,
                  company: text(v.company),
                  team: text(v.team),
                  trade: text(v.trade),
                  joinedOn: day(v.joinedOn),
                },
              ]
            : undefined,
        },
      });
    },
    onMutate: () => setProblem(undefined),
    onError: showProblem,
    onSuccess: (p) => {
      if (!p) return;
      void client.invalidateQueries({ queryKey: ['persons'] });
      void navigate(`/workers/${p.personId}`);
    },
  });

  if (!canWrite) return <Alert type="warning" showIcon title={t('common.forbidden')} />;

  const busy = save.isPending || checkOnly.isPending;
  const half = { xs: 24, md: 12 };
  return (
    <Card title={t('workers.enrol.title')} extra={<Link to="/workers">{t('workers.back')}</Link>}>
      <Form<Values> form={form} layout="vertical" onFinish={(v) => save.mutate(v)} data-testid="enrol-form">
        <Typography.Title level={5}>{t('workers.enrol.card')}</Typography.Title>
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
              rules={[
                { required: true },
                { pattern: /^[0-9]{17}[0-9Xx]$/, message: t('workers.idNumberFormat') },
              ]}
            >
              <Input maxLength={18} autoComplete="off" />
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
          <Col xs={24} md={12}>
            <Form.Item label={t('workers.birthDate')} tooltip={t('workers.birthDateTip')}>
              <Typography.Text data-testid="birth-date">{birthDateOf(idNumber)}</Typography.Text>
            </Form.Item>
          </Col>
          <Col xs={24}>
            <Form.Item name="address" label={t('workers.address')}>
              <Input.TextArea maxLength={200} autoSize />
            </Form.Item>
          </Col>
          <Col {...half}>
            <Form.Item name="issuingAuthority" label={t('workers.issuingAuthority')}>
              <Input maxLength={100} />
            </Form.Item>
          </Col>
          <Col {...half}>
            <Form.Item name="phone" label={t('workers.phone')}>
              <Input maxLength={20} inputMode="tel" />
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

        <Typography.Title level={5}>{t('workers.enrol.photos')}</Typography.Title>
        <Row gutter={16}>
          <Col xs={24} md={12}>
            <PhotoField
              name="photos"
              label={t('workers.facePhotos')}
              max={FACES_MAX}
              rules={[{ required: true, type: 'array', min: 1, message: t('workers.enrol.faceRequired') }]}
              extra={t('workers.enrol.photoRule')}
            />
          </Col>
          <Col xs={24} md={12}>
            <PhotoField name="idCardPhoto" label={t('workers.idCardPhoto')} />
          </Col>
          <Col xs={12}>
            <PhotoField name="idCardFront" label={t('workers.idCardFront')} />
          </Col>
          <Col xs={12}>
            <PhotoField name="idCardBack" label={t('workers.idCardBack')} />
          </Col>
        </Row>

        <Typography.Title level={5}>{t('workers.enrol.assignment')}</Typography.Title>
        <Row gutter={16}>
          <Col {...half}>
            <Form.Item name="siteId" label={t('workers.site')} rules={[{ required: siteRequired }]}>
              <Select allowClear options={sites.map((s) => ({ value: s.id, label: s.name }))} />
            </Form.Item>
          </Col>
          <Col {...half}>
            <Form.Item name="joinedOn" label={t('workers.joinedOn')}>
              <DatePicker style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item name="company" label={t('workers.company')}>
              <Input maxLength={128} />
            </Form.Item>
          </Col>
          <Col xs={12} md={8}>
            <Form.Item name="team" label={t('workers.team')}>
              <Input maxLength={128} />
            </Form.Item>
          </Col>
          <Col xs={12} md={8}>
            <Form.Item name="trade" label={t('workers.trade')}>
              <Input maxLength={64} />
            </Form.Item>
          </Col>
        </Row>

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
        {check && (
          <div style={{ marginBottom: 16 }}>
            <CheckVerdicts result={check} />
          </div>
        )}
        <Space wrap>
          <Button onClick={() => checkOnly.mutate()} loading={checkOnly.isPending} disabled={busy}>
            {t('workers.enrol.check')}
          </Button>
          <Button type="primary" htmlType="submit" loading={save.isPending} disabled={busy}>
            {t('workers.enrol.save')}
          </Button>
        </Space>
      </Form>
    </Card>
  );
}
