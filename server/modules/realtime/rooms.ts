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

/**
 * Rooms no screen subscribes to: every socket joins its principal's at connection (and an org's once
 * it subscribes to one of the org's screens), so ending access reaches each socket wherever it is,
 * subscribed or not. Nothing is ever published to them.
 */
export const socketRooms = {
  user: (userId: string) => `sockets:user:${userId}`,
  display: (displayId: string) => `sockets:display:${displayId}`,
  visitStatus: (visitId: string) => `sockets:visit-status:${visitId}`,
  org: (orgId: string) => `sockets:org:${orgId}`,
};

export const isSocketRoom = (room: string) => room.startsWith('sockets:');
