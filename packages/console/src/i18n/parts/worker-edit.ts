/**
 * The strings of a worker's edit, photo replacement and erasure (pages/workers/
 * person-actions.tsx and the dialogs it opens): their own part, beside the workers list's.
 */
import { part } from '../part';

export default part(
  {
    workerEdit: {
      edit: '编辑信息',
      editTitle: '编辑工人信息',
      loadCurrent: '载入当前信息（记入审计日志）',
      loadHelp: '未载入当前信息时，留空的项保持不变；载入后，清空一项即删除该项。',
      loaded: '已载入当前信息',
      nothingChanged: '没有修改',
      saved: '已保存',
      stale: '该工人的信息已被他人修改',
      staleHelp: '请重新加载后再提交；你填写的内容会保留。',
      reload: '重新加载',
      photos: '更换人脸照片',
      photosHelp: '新照片替换全部现有人脸照片，并重新下发到该工人在场工地的所有设备。',
      photosSaved: '人脸照片已更换',
      refused: '平台拒收了照片',
      photoN: '照片 {{n}}',
      erase: '删除个人信息',
      eraseTitle: '永久删除该工人的个人信息？',
      eraseWhat:
        '将删除：姓名、身份证号及身份证上的其他信息、身份证图像、全部人脸照片（包括以前替换下来的）、虹膜图像和打卡照片。所有进场记录结束，各工地的设备将删除此人。',
      eraseKeeps: '保留：考勤记录（只留人员编号，用于工资结算）。',
      eraseIrreversible: '删除后无法恢复。',
      eraseConfirm: '永久删除',
      erased:
        '个人信息已删除：删除照片 {{photos}} 张，结束进场 {{assignments}} 条，删除打卡照片 {{attendance}} 张。',
      failed: '操作失败',
    },
  },
  {
    workerEdit: {
      edit: 'Edit details',
      editTitle: 'Edit the worker’s details',
      loadCurrent: 'Load the current details (audited)',
      loadHelp:
        'Until the current details are loaded, a field left empty stays as it is; once loaded, emptying a field clears it.',
      loaded: 'Current details loaded',
      nothingChanged: 'Nothing changed',
      saved: 'Saved',
      stale: 'Someone else changed this worker meanwhile',
      staleHelp: 'Reload, then save again; what you entered stays.',
      reload: 'Reload',
      photos: 'Replace face photos',
      photosHelp:
        'The new photos replace all face photos and are sent again to every device of the sites the worker is on.',
      photosSaved: 'Face photos replaced',
      refused: 'The platform refused the photos',
      photoN: 'Photo {{n}}',
      erase: 'Erase personal data',
      eraseTitle: 'Erase this worker’s personal data for good?',
      eraseWhat:
        'Deleted: the name, the ID number and the ID card’s other fields, the ID card images, every face photo (also those replaced earlier), iris images and clock-in photos. Every assignment ends, and the sites’ devices delete the worker.',
      eraseKeeps: 'Kept: the attendance records (with the person id only, for wages).',
      eraseIrreversible: 'There is no undo.',
      eraseConfirm: 'Erase for good',
      erased:
        'Personal data erased: {{photos}} photo(s) deleted, {{assignments}} assignment(s) ended, {{attendance}} clock-in photo(s) deleted.',
      failed: 'The change failed',
    },
  },
);
