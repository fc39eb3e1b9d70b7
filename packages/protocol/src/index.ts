export { asyncApiDocument, renderAsyncApi } from "./document.js";
export { protocolChannels } from "./channels.js";
export { channelAccess, concreteSubjects, mayUse, protocolUsers, userLabel, SAMPLE_EVALUATOR } from "./access.js";
export { durables, CONSUMER_SETTINGS, PROTOCOL_STREAMS, STORES } from "./jetstream.js";
export { payloadSchema, WIRE_TYPES } from "./messages.js";

export type { ChannelDef } from "./channels.js";
export type { Access, Action } from "./access.js";
export type { DurableSpec, StreamSpec } from "./jetstream.js";
