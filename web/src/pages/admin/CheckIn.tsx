import { useSearchParams } from 'react-router';
import { DoorDesk } from './door/DoorDesk';
import { PerformancePicker } from './door/PerformancePicker';

/** The door page: which performance it admits to is in the address (?performance=ID), so a reload keeps it. */
export default function CheckIn() {
  const [params] = useSearchParams();
  const performanceId = params.get('performance');
  return performanceId ? <DoorDesk performanceId={performanceId} /> : <PerformancePicker />;
}
