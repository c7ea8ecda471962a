/** Messages of staff sign-in (src/app/staffSession.ts, src/ui/staff), merged into the catalog by ../index.ts. */
export const vi = {
  staff: {
    signIn: {
      titleCounter: 'Đăng nhập ca làm việc',
      titleTechnician: 'Khu vực kỹ thuật',
      introCounter: 'Chọn tên của bạn, nhập mã PIN rồi bấm Đăng nhập. Tên bạn sẽ in trên giấy tiếp nhận.',
      introTechnician: 'Khu vực này dành cho kỹ thuật viên. Chọn tên của bạn và nhập mã PIN.',
      who: 'Cán bộ',
      pin: 'Mã PIN (6–8 chữ số)',
      submit: 'Đăng nhập',
      checking: 'Đang kiểm tra…',
      none: 'Chưa có tài khoản nào dùng được trên máy này. Nhờ quản trị ở trung tâm tạo tài khoản (npm run admin -- staff-create …), rồi đồng bộ lại máy này.',
      pickFirst: 'Hãy chọn tên của bạn trong danh sách trước.',
    },
    bar: {
      signedIn: 'Cán bộ: {{name}}',
      signOut: 'Đăng xuất',
    },
    lock: {
      title: 'Màn hình đã khoá',
      who: 'Đang làm việc: {{name}} ({{staffId}})',
      hint: 'Nhập mã PIN của bạn để mở khoá. Hồ sơ đang làm dở vẫn được giữ nguyên.',
      unlock: 'Mở khoá',
      signOut: 'Đăng xuất (người khác làm việc)',
    },
    noAccounts: 'Chi nhánh chưa có tài khoản cán bộ trên máy này: giấy tiếp nhận sẽ không ghi tên người tiếp nhận.',
  },
  errors: {
    signin: {
      unknown: 'Không tìm thấy tài khoản này. Hãy chọn tên của bạn trong danh sách.',
      disabled: 'Tài khoản này đã bị khoá ở trung tâm. Liên hệ quản trị ở trung tâm để mở lại.',
      'not-allowed': 'Tài khoản này không dùng được trên máy này. Hãy chọn đúng tên của bạn, hoặc dùng máy dành cho vai trò của bạn.',
      'pin-format': 'Mã PIN gồm 6 đến 8 chữ số. Hãy nhập lại.',
      'wrong-pin': 'Mã PIN không đúng. Còn {{count}} lần thử, sau đó tài khoản bị tạm khoá trên máy này.',
      locked: 'Tài khoản bị tạm khoá trên máy này đến {{time}} vì nhập sai PIN nhiều lần. Hãy chờ đến giờ đó, hoặc nhờ quản trị ở trung tâm đặt lại PIN.',
    },
  },
} as const;

type Widen<T> = { -readonly [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
export const en: Widen<typeof vi> = {
  staff: {
    signIn: {
      titleCounter: 'Start of shift: sign in',
      titleTechnician: 'Technician area',
      introCounter: 'Choose your name, enter your PIN and press Sign in. Your name is printed on the receipts.',
      introTechnician: 'This area is for technicians. Choose your name and enter your PIN.',
      who: 'Officer',
      pin: 'PIN (6–8 digits)',
      submit: 'Sign in',
      checking: 'Checking…',
      none: 'No account can be used on this machine yet. Ask the centre administrator to create one (npm run admin -- staff-create …), then sync this machine again.',
      pickFirst: 'Choose your name in the list first.',
    },
    bar: {
      signedIn: 'Officer: {{name}}',
      signOut: 'Sign out',
    },
    lock: {
      title: 'Screen locked',
      who: 'Working: {{name}} ({{staffId}})',
      hint: 'Enter your PIN to unlock. The dossier in progress is kept as it was.',
      unlock: 'Unlock',
      signOut: 'Sign out (someone else takes over)',
    },
    noAccounts: 'This branch has no officer accounts on this machine yet: receipts will not name the receiving officer.',
  },
  errors: {
    signin: {
      unknown: 'This account was not found. Choose your name in the list.',
      disabled: 'This account was disabled at the centre. Ask the centre administrator to enable it.',
      'not-allowed': 'This account cannot be used on this machine. Choose your own name, or use a machine for your role.',
      'pin-format': 'A PIN is 6 to 8 digits. Enter it again.',
      'wrong-pin': 'Wrong PIN. {{count}} tries left, then the account is locked on this machine for a while.',
      locked:
        'The account is locked on this machine until {{time}} after too many wrong PINs. Wait until then, or ask the centre administrator to reset the PIN.',
    },
  },
} as const;
