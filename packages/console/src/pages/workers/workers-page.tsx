/**
 * The workers area: the list at /workers, enrolment at /workers/new, the roster import at
 * /workers/import and one worker at /workers/:personId (routed here: the app mounts this
 * page at /workers/*).
 */
import { Route, Routes } from 'react-router';
import { NotFound } from '../../components/page-state';
import { EnrolPage } from './enrol-page';
import { ImportPage } from './import-page';
import { WorkerDetail } from './worker-detail';
import { WorkerList } from './worker-list';

export default function WorkersPage() {
  return (
    <Routes>
      <Route index element={<WorkerList />} />
      <Route path="new" element={<EnrolPage />} />
      <Route path="import" element={<ImportPage />} />
      <Route path=":personId" element={<WorkerDetail />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
