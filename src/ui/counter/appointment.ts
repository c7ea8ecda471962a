import type { TFunction } from 'i18next';
import type { AppointmentPreview } from '../../app/dossierTypes';
import type { DossierSubmitArgs } from '../../shared/records';
import { localHm, viDate } from './format';

type Appointment = AppointmentPreview | DossierSubmitArgs['appointment'];

/** "10:00 ngày 26/02/2026", "… (dự kiến)", or "cần cán bộ xác nhận" beyond the calendar. */
export function appointmentText(t: TFunction, appointment: Appointment, utcOffsetMinutes: number): string {
  if (appointment.kind !== 'date') return t('desk.appointment.confirm');
  const text = t('desk.appointment.at', { time: localHm(appointment.at, utcOffsetMinutes), date: viDate(appointment.date) });
  return appointment.provisional ? t('desk.appointment.provisional', { text }) : text;
}
