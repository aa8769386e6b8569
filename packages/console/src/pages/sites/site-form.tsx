/**
 * The site's own fields in a modal form, for creating a site and for editing one: name,
 * address, general contractor (总承包单位) and its location (WGS-84, as devices report
 * it). The geofence is drawn on its own tab. Submits with Enter; the API's field errors
 * are shown on the fields they name.
 */
import { Col, Form, Input, InputNumber, Modal, Row } from 'antd';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiProblem } from '../../api/client';
import { COORD_DECIMALS } from './fence/geo';
import type { Site, SiteInput } from './types';

interface Values {
  name: string;
  address?: string;
  generalContractor?: string;
  lat?: number | null;
  lng?: number | null;
}

const valuesOf = (s: Site | undefined): Values => ({
  name: s?.name ?? '',
  address: s?.address ?? '',
  generalContractor: s?.generalContractor ?? '',
  lat: s?.location?.lat ?? null,
  lng: s?.location?.lng ?? null,
});

/** The form's values as the API takes them; emptied fields clear (null) on an edit. */
function inputOf(v: Values, editing: boolean): SiteInput {
  const text = (s: string | undefined) => (s?.trim() ? s.trim() : editing ? null : undefined);
  const hasLocation = typeof v.lat === 'number' && typeof v.lng === 'number';
  const out: SiteInput = { name: v.name.trim() };
  const address = text(v.address);
  const gc = text(v.generalContractor);
  if (address !== undefined) out.address = address;
  if (gc !== undefined) out.generalContractor = gc;
  if (hasLocation) out.location = { lat: v.lat!, lng: v.lng! };
  else if (editing) out.location = null;
  return out;
}

export function SiteFormModal({
  open,
  site,
  saving,
  error,
  onSubmit,
  onCancel,
}: {
  open: boolean;
  /** The site edited; none to create one. */
  site?: Site;
  saving: boolean;
  error: unknown;
  onSubmit(input: SiteInput): void;
  onCancel(): void;
}) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  useEffect(() => {
    if (open) form.setFieldsValue(valuesOf(site));
  }, [open, site, form]);
  useEffect(() => {
    if (!(error instanceof ApiProblem)) return;
    const byField: Record<string, keyof Values> = {
      'body.name': 'name',
      'body.address': 'address',
      'body.generalContractor': 'generalContractor',
      'body.location.lat': 'lat',
      'body.location.lng': 'lng',
    };
    form.setFields(
      error.errors.flatMap((e) => (byField[e.path] ? [{ name: byField[e.path]!, errors: [e.message] }] : [])),
    );
  }, [error, form]);
  const pairRule = ({ getFieldValue }: { getFieldValue(n: string): unknown }) => ({
    validator() {
      const a = getFieldValue('lat');
      const b = getFieldValue('lng');
      const set = (v: unknown) => typeof v === 'number';
      return set(a) === set(b) ? Promise.resolve() : Promise.reject(new Error(t('sites.form.locationPair')));
    },
  });
  return (
    <Modal
      open={open}
      title={site ? t('sites.form.editTitle') : t('sites.form.createTitle')}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={saving}
      onOk={() => form.submit()}
      onCancel={onCancel}
      forceRender
    >
      <Form
        form={form}
        layout="vertical"
        name="site"
        initialValues={valuesOf(site)}
        onFinish={(v) => onSubmit(inputOf(v, site !== undefined))}
      >
        <Form.Item
          name="name"
          label={t('sites.field.name')}
          rules={[{ required: true, whitespace: true, message: t('sites.form.nameRequired') }, { max: 100 }]}
        >
          <Input autoFocus maxLength={100} />
        </Form.Item>
        <Form.Item name="address" label={t('sites.field.address')} rules={[{ max: 200 }]}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item name="generalContractor" label={t('sites.field.generalContractor')} rules={[{ max: 100 }]}>
          <Input maxLength={100} />
        </Form.Item>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item
              name="lat"
              label={t('sites.field.lat')}
              dependencies={['lng']}
              rules={[pairRule]}
              tooltip={t('sites.form.wgs84')}
            >
              <InputNumber
                min={-90}
                max={90}
                precision={COORD_DECIMALS}
                step={0.0001}
                style={{ width: '100%' }}
              />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="lng" label={t('sites.field.lng')} dependencies={['lat']} rules={[pairRule]}>
              <InputNumber
                min={-180}
                max={180}
                precision={COORD_DECIMALS}
                step={0.0001}
                style={{ width: '100%' }}
              />
            </Form.Item>
          </Col>
        </Row>
        {/* Enter in any field submits */}
        <button type="submit" hidden aria-hidden tabIndex={-1} />
      </Form>
    </Modal>
  );
}
