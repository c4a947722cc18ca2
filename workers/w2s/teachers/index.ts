export { describeTeacher, type TeacherSpec } from './teacher-spec.js';
export { loadTaskView } from './teacher-view.js';
