/** The devices area: the list at /devices, one device at /devices/:sn. */
import { Route, Routes } from 'react-router';
import { NotFound } from '../../components/page-state';
import DeviceDetail from './device-detail';
import DeviceList from './device-list';

export default function DevicesPage() {
  return (
    <Routes>
      <Route index element={<DeviceList />} />
      <Route path=":sn" element={<DeviceDetail />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
