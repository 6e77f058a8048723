import { Type, type TSchema } from 'typebox';

export const Uuid = Type.String({ format: 'uuid' });

export const ErrorBody = Type.Object(
  {
    error: Type.String(),
    message: Type.String(),
    fields: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
    allowed: Type.Optional(Type.Array(Type.String())),
    requestId: Type.Optional(Type.String()),
  },
  { $id: 'ErrorBody', additionalProperties: true },
);

/** The error answers every authenticated route may give, so each route's OpenAPI lists them. */
export const errorResponses = {
  400: Type.Ref('ErrorBody'),
  401: Type.Ref('ErrorBody'),
  403: Type.Ref('ErrorBody'),
  404: Type.Ref('ErrorBody'),
  409: Type.Ref('ErrorBody'),
} as const;

export const OrgParams = Type.Object({ orgId: Type.String() });

export function page<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}

export const Limit = Type.Integer({ minimum: 1, maximum: 200, default: 50 });
