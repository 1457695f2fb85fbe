import { type Schemas } from '../../../api/client';
import { type Incident, type IncidentDetail } from '../../../components/incident-parts';
import '../../../pages/incidents.css';

export type Runbook = Schemas['Runbook'];

export type Technician = Schemas['Technician'];

export type TimelineEntry = IncidentDetail['timeline'][number];

export type Decision = NonNullable<Incident['decision']>;
