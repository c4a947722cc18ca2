export { LocalForum, SYSTEM_PERSONA, type ChannelInfo, type LocalForumOptions, type LocalForumState } from './local-forum.js';
export { type Panel, type StoredPost } from './schemas.js';
export { type Author, type ImageView, type PostView } from './store.js';
