/**
 * A photo picker for the enrolment form: antd Upload kept in the browser (nothing is
 * uploaded until the form is saved; the API takes photos as base64 in the JSON body),
 * JPEG or PNG only, with thumbnails. `toBase64` reads the picked files for the request.
 */
import { PlusOutlined } from '@ant-design/icons';
import { Upload, type UploadFile } from 'antd';
import { useTranslation } from 'react-i18next';

export const PHOTO_ACCEPT = 'image/jpeg,image/png';

/** For Form.Item: the Upload's change event as the field's value. */
export function fileListOf(e: { fileList: UploadFile[] } | UploadFile[]): UploadFile[] {
  return Array.isArray(e) ? e : e.fileList;
}

export function PhotoUpload({
  fileList,
  onChange,
  max,
  id,
}: {
  fileList?: UploadFile[];
  onChange?: (e: { fileList: UploadFile[] }) => void;
  max: number;
  id?: string;
}) {
  const { t } = useTranslation();
  const list = fileList ?? [];
  return (
    <Upload
      id={id}
      accept={PHOTO_ACCEPT}
      listType="picture-card"
      multiple={max > 1}
      maxCount={max}
      fileList={list}
      beforeUpload={() => false}
      onChange={(e) => onChange?.({ fileList: e.fileList })}
    >
      {list.length < max && (
        <button type="button" style={{ border: 0, background: 'none', cursor: 'pointer' }}>
          <PlusOutlined />
          <div style={{ marginTop: 8 }}>{t('workers.enrol.pick')}</div>
        </button>
      )}
    </Upload>
  );
}

function readAsDataUrl(f: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error ?? new Error('read failed'));
    r.readAsDataURL(f);
  });
}

/** The picked files as base64 data URLs (the API accepts the data: prefix). */
export async function toBase64(list: UploadFile[] | undefined): Promise<string[]> {
  const out: string[] = [];
  for (const f of list ?? []) if (f.originFileObj) out.push(await readAsDataUrl(f.originFileObj));
  return out;
}
