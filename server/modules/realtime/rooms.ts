/**
 * The one place room names are made. A room is what a screen subscribes to; the socket handshake
 * decides which rooms a connection may join.
 */
export const rooms = {
  labBoard: (orgId: string) => `org:${orgId}:lab-board`,
  /** A dentist (a client of the lab) sees only their own cases. */
  dentistCases: (orgId: string, dentistUserId: string) => `org:${orgId}:dentist:${dentistUserId}`,
  reception: (orgId: string) => `org:${orgId}:reception`,
  doctorQueue: (orgId: string, doctorUserId: string) => `org:${orgId}:doctor:${doctorUserId}`,
  pharmacy: (orgId: string) => `org:${orgId}:pharmacy`,
  display: (displayId: string) => `display:${displayId}`,
  visitStatus: (visitId: string) => `visit:${visitId}`,
};
