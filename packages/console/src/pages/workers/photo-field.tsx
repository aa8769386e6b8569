/**
 * One photo field of the enrolment form (the face photos, the card's portrait, front and
 * back): a PhotoUpload bound to the form, its value the Upload's file list.
 */
import { Form, type FormRule } from 'antd';
import type { ReactNode } from 'react';
import { fileListOf, PhotoUpload } from './photo-upload';

export function PhotoField({
  name,
  label,
  max = 1,
  rules,
  extra,
}: {
  name: string;
  label: string;
  /** How many photos it takes: one for a card image. */
  max?: number;
  rules?: FormRule[];
  extra?: ReactNode;
}) {
  return (
    <Form.Item
      name={name}
      label={label}
      valuePropName="fileList"
      getValueFromEvent={fileListOf}
      rules={rules}
      extra={extra}
    >
      <PhotoUpload max={max} />
    </Form.Item>
  );
}
